#!/usr/bin/env python3
"""The Python seed's ingest: a folder of JPEGs into a sqlite-vec database.

Usage
    /usr/bin/python3 bench/peers/seed_ingest.py --folder DIR --db FILE --weights resnet50-seed.pt
        [--batch 1|16] [--vec0 PATH]

Each JPEG of DIR (sorted by name) is opened with PIL, converted to RGB, transformed (seed.TRANSFORM), and
--batch of them go through the model at once under torch.no_grad(); each 2048-d vector is inserted into the
vec0 table (float32 bytes) with its path, and everything is committed at the end. Prints one line with the
images/s of that loop, and the time before it (imports, model and database).
"""

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import torch  # noqa: E402
from PIL import Image  # noqa: E402

import seed  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--folder", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--weights", required=True, help="the shared state_dict (bench/peers/make_weights.py)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--vec0", default=seed.DEFAULT_VEC0, help="sqlite-vec's loadable extension")
    args = ap.parse_args(argv)

    model = seed.load_model(args.weights)
    db = seed.open_database(args.db, args.vec0)
    paths = sorted(os.path.join(args.folder, name) for name in os.listdir(args.folder)
                   if name.lower().endswith((".jpg", ".jpeg")))
    ready = time.perf_counter()

    with torch.no_grad():
        for start in range(0, len(paths), args.batch):
            chunk = paths[start:start + args.batch]
            tensors = []
            for path in chunk:
                with Image.open(path) as image:
                    tensors.append(seed.TRANSFORM(image.convert("RGB")))
            features = model(torch.stack(tensors)).numpy()
            for path, vector in zip(chunk, features):
                row = db.execute("insert into images (path) values (?)", (path,)).lastrowid
                db.execute("insert into vec_images (rowid, embedding) values (?, ?)", (row, vector.tobytes()))
    db.commit()
    done = time.perf_counter()
    count = db.execute("select count(*) from vec_images").fetchone()[0]
    db.close()

    loop = done - ready
    print("seed ingest: %d images in %.2f s (%.2f images/s), batch %d, torch threads %d; start-up %.2f s; "
          "%d vectors in the database"
          % (len(paths), loop, len(paths) / loop if loop > 0 else 0.0, args.batch, torch.get_num_threads(),
             ready - STARTED, count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
