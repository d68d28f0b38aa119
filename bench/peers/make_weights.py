#!/usr/bin/env python3
"""Make the weights the peers section's two stacks share: one seeded ResNet-50, saved twice.

Usage
    /usr/bin/python3 bench/peers/make_weights.py --out DIR [--cli PATH] [--no-check]

Writes into DIR (created when missing), each file moved into place only when every step succeeded:
    resnet50-seed.pt    the model's state_dict (torch.save), what the Python seed loads
    resnet50-seed.onnx  the SAME model exported to ONNX (opset 17, input "input" [N,3,224,224],
                        output "features" [N,2048], N dynamic), what ImageFinder loads
    resnet50-seed.json  ImageFinder's model card for it (models/export_torchvision.py's format)

The model is models/export_torchvision.py's own `--weights none` resnet50 (its functions are imported, not
copied): torchvision resnet50(weights=None) under torch.manual_seed(20261201), fc = Identity, eval mode, and
every batch norm's running statistics re-estimated from seeded random inputs so that the pooled features keep a
trained network's scale. The state_dict is taken after that step, so the seed loads exactly the weights the
ONNX file has; this script checks it by loading the saved file into a fresh resnet50 and comparing outputs.

Preprocessing written into the card: torchvision's IMAGENET1K_V1 transforms (resize the shorter side to 256,
centre crop 224, bilinear, ImageNet mean and std), the seed's transforms.Compose. Random weights: the features
mean nothing, the cost is the real model's.

The ONNX output is checked against torch's on 2 random inputs through ImageFinder's `model-check` (the CLI build
at src/ImageFinder.Cli/bin/Release/..., or --cli PATH), as models/export_torchvision.py does.

Exit codes: 0 ok, 2 failure (one paragraph on stderr).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "models"))
import export_torchvision as tv  # noqa: E402  (the exporter's functions, after sys.path is set)

ARCH = "resnet50"
NAME = "resnet50-seed"
PREPROCESSING_WEIGHTS = "IMAGENET1K_V1"
SEED_CHECK_BATCH = 2


def _log(message):
    print(message, file=sys.stderr, flush=True)


def check_state_dict(model, state_path, crop):
    """The saved state_dict, loaded as the seed loads it, gives exactly the model's output."""
    torch = tv.torch
    fresh = tv.torchvision.models.resnet50(weights=None)
    fresh.fc = torch.nn.Identity()
    fresh.load_state_dict(torch.load(state_path, map_location="cpu"), strict=True)
    fresh.eval()
    generator = torch.Generator().manual_seed(tv.SEED + 3)
    batch = torch.randn(SEED_CHECK_BATCH, 3, crop, crop, generator=generator)
    with torch.no_grad():
        expected = model(batch)
        actual = fresh(batch)
    if not torch.equal(expected, actual):
        raise tv.ExportError("the saved state_dict, loaded into a fresh resnet50 (fc = Identity, eval), gives other "
                             "outputs than the exported model (max abs diff %.3g)."
                             % float((expected - actual).abs().max()))
    return "identical outputs on %d random inputs" % SEED_CHECK_BATCH


def run(args):
    out = os.path.abspath(args.out)
    tv._import_libraries()
    torch = tv.torch
    torch.set_num_threads(os.cpu_count() or 1)
    _, v1 = tv.resolve_weights(ARCH, PREPROCESSING_WEIGHTS)
    pre = tv.preprocessing_of(v1)
    crop = pre["cropSize"]
    dimension = tv.ARCHS[ARCH][0]
    os.makedirs(out, exist_ok=True)

    started = time.monotonic()
    model = tv.build_features_model(ARCH, None, crop)  # seeded, fc = Identity, eval, batch norms calibrated
    card = tv.card_for(ARCH, None, v1, pre, dimension)
    card["name"] = "resnet50 seed weights (torchvision, random weights: NOT pretrained)"
    card["description"] = (
        "NOT pretrained: torchvision %s's resnet50 with RANDOM weights (seed %d; batch-norm statistics taken from "
        "random inputs, as models/export_torchvision.py --weights none does), fc = Identity, pooled %d-d features. "
        "The peers benchmark's shared weights: the Python seed loads the same state_dict (%s.pt). Preprocessing: "
        "torchvision %s transforms (resize 256, centre crop 224, bilinear, ImageNet mean/std). Exported by "
        "bench/peers/make_weights.py." % (tv.torchvision.__version__, tv.SEED, dimension, NAME, v1.name))
    work = tempfile.mkdtemp(dir=out, prefix=".make-weights.")
    try:
        state_tmp = os.path.join(work, NAME + ".pt")
        onnx_tmp = os.path.join(work, NAME + ".onnx")
        card_tmp = os.path.join(work, NAME + ".json")
        torch.save(model.state_dict(), state_tmp)
        state_verdict = check_state_dict(model, state_tmp, crop)
        _log("exporting %s to ONNX opset %d" % (NAME, tv.OPSET))
        tv.export_onnx(model, onnx_tmp, crop, card["description"])
        exported = time.monotonic()
        card["provenance"] = {
            "arch": ARCH,
            "weights": "none",
            "seed": tv.SEED,
            "torchvision": tv.torchvision.__version__,
            "torch": torch.__version__,
            "sha256": tv._sha256_of(onnx_tmp),
            "stateDictSha256": tv._sha256_of(state_tmp),
            "exporter": "bench/peers/make_weights.py (models/export_torchvision.py's functions)",
            "opset": tv.OPSET,
        }
        with open(card_tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(card, indent=2) + "\n")
        if args.no_check:
            onnx_verdict = "not checked against ONNX Runtime (--no-check)"
        else:
            _log("checking ONNX Runtime against torch on %d random inputs" % tv.CHECK_BATCH)
            onnx_verdict = tv.check(model, onnx_tmp, crop, dimension, args.cli, work)
        # The card last: the harness takes the three files as made when the card exists.
        for name in (NAME + ".pt", NAME + ".onnx", NAME + ".json"):
            os.replace(os.path.join(work, name), os.path.join(out, name))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("wrote %s.pt, %s.onnx and %s.json in %s" % (NAME, NAME, NAME, out))
    print("state_dict check: %s" % state_verdict)
    print("onnx check: %s" % onnx_verdict)
    print("time: %.1f s (export), %.1f s in all" % (exported - started, time.monotonic() - started))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, metavar="DIR", help="folder for resnet50-seed.{pt,onnx,json}")
    ap.add_argument("--cli", metavar="PATH", help="ImageFinder.Cli.dll whose model-check verifies the ONNX export")
    ap.add_argument("--no-check", action="store_true", help="skip the ONNX Runtime check")
    args = ap.parse_args(argv)
    try:
        return run(args)
    except (tv.ExportError, tv.UsageError) as e:
        print("make_weights: %s Nothing was written to %s." % (e, os.path.abspath(args.out)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
