#!/usr/bin/env python3
"""The Python seed's search API: FastAPI, served by uvicorn (one worker).

Usage
    /usr/bin/python3 bench/peers/seed_app.py --db FILE --weights resnet50-seed.pt --port P
        [--host 127.0.0.1] [--vec0 PATH]

    POST /search?k=10   multipart/form-data, part "file": the image. The bytes are opened with PIL, converted to
                        RGB, transformed (seed.TRANSFORM), embedded under torch.no_grad(), and the vec0 table is
                        asked for the k nearest (`where embedding match ? and k = ?`). Answers
                        {"results": [{"id": ..., "distance": ...}, ...]}, nearest first.
    GET /health         {"images": count}

The handlers are `async def`, as FastAPI's tutorial writes them: they run on the event loop thread, which owns the
sqlite3 connection.
"""

import argparse
import io
import sys

import torch
import uvicorn
from fastapi import FastAPI, File, UploadFile
from PIL import Image

import seed


def create_app(weights, database, vec0):
    model = seed.load_model(weights)
    db = seed.open_database(database, vec0)
    app = FastAPI(title="seed image search")

    @app.post("/search")
    async def search(file: UploadFile = File(...), k: int = 10):
        data = await file.read()
        image = Image.open(io.BytesIO(data)).convert("RGB")
        with torch.no_grad():
            query = model(seed.TRANSFORM(image).unsqueeze(0))[0].numpy()
        rows = db.execute(
            "select rowid, distance from vec_images where embedding match ? and k = ? order by distance",
            (query.tobytes(), k)).fetchall()
        return {"results": [{"id": row, "distance": distance} for row, distance in rows]}

    @app.get("/health")
    async def health():
        return {"images": db.execute("select count(*) from images").fetchone()[0]}

    return app


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--weights", required=True, help="the shared state_dict (bench/peers/make_weights.py)")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--vec0", default=seed.DEFAULT_VEC0, help="sqlite-vec's loadable extension")
    args = ap.parse_args(argv)
    app = create_app(args.weights, args.db, args.vec0)
    uvicorn.run(app, host=args.host, port=args.port, workers=1, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
