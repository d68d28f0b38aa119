#!/usr/bin/env python3
"""Download the pretrained ResNet-50 v1 (ImageNet) ONNX model and turn it into
a 2048-d feature extractor for ImageFinder.

Source
    ONNX Model Zoo, https://github.com/onnx/models
    file  validated/vision/classification/resnet/model/resnet50-v1-7.onnx
          (the same file lived at vision/classification/resnet/model/ in the
          older layout; both LFS pointers carry the hash below)
    The zoo stores it with Git LFS; GitHub serves the real bytes through the
    /raw/ URL (and media.githubusercontent.com as a fallback).

Licence
    Apache-2.0, as stated by onnx/models (LICENSE and the ResNet README).
    The weights were trained by the zoo's contributors on ImageNet
    (MXNet/Gluon export, opset 7).

Pinned file (from the Git LFS pointer)
    sha256 af16a04a6ec48ac494065d4439fe9dea590d337b9ca6dc328160ccf04a217b9c
    size   102583340 bytes

What it does
    1. If models/resnet50.onnx and models/resnet50.json both exist: says so and
       exits 0.
    2. Downloads the file into a temporary file in models/, checks size and
       SHA-256 (or takes a local copy given with --from FILE, checked the same
       way).
    3. Cuts the classifier off: appends Flatten(axis=1) after the last
       GlobalAveragePool, producing output "features" [N, 2048], keeps only
       the sub-graph from the image input to "features", makes the batch
       dimension symbolic ("N") and runs onnx.checker.
    4. Saves models/resnet50.onnx atomically and writes the model card
       models/resnet50.json.

Exit codes: 0 ok, 1 bad usage, 2 download / verification / conversion failed
or the onnx package is missing.

Requires the onnx Python package (Debian: apt-get install -y python3-onnx;
otherwise: pip install onnx).  Run with a Python that has it, e.g.
/usr/bin/python3 models/fetch_resnet50.py
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request

try:
    import onnx
    from onnx import TensorProto, helper
except ImportError:  # reported by main(), so the transform stays importable
    onnx = None

MODEL_PATH_IN_ZOO = "validated/vision/classification/resnet/model/resnet50-v1-7.onnx"
URLS = [
    "https://github.com/onnx/models/raw/main/" + MODEL_PATH_IN_ZOO,
    "https://media.githubusercontent.com/media/onnx/models/main/" + MODEL_PATH_IN_ZOO,
]
EXPECTED_SHA256 = "af16a04a6ec48ac494065d4439fe9dea590d337b9ca6dc328160ccf04a217b9c"
EXPECTED_SIZE = 102583340
TIMEOUT_S = 30
FEATURES = "features"
BATCH_DIM = "N"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_MODEL = os.path.join(HERE, "resnet50.onnx")
OUT_CARD = os.path.join(HERE, "resnet50.json")


class FetchError(Exception):
    """A failure that is reported as one paragraph and exit code 2."""


# --------------------------------------------------------------------------
# Graph transform (importable, no network)
# --------------------------------------------------------------------------

def _image_input(graph):
    """The first graph input that is not an initializer (IR < 4 models list
    their weights as inputs too)."""
    inits = {t.name for t in graph.initializer}
    for vi in graph.input:
        if vi.name not in inits:
            return vi
    raise ValueError("the model has no graph input that is not an initializer")


def _subgraph_refs(attr, out):
    """Names a sub-graph attribute (If/Loop/Scan) may take from outer scope."""
    graphs = []
    if attr.type == onnx.AttributeProto.GRAPH:
        graphs.append(attr.g)
    elif attr.type == onnx.AttributeProto.GRAPHS:
        graphs.extend(attr.graphs)
    for g in graphs:
        for n in g.node:
            out.update(i for i in n.input if i)
            for a in n.attribute:
                _subgraph_refs(a, out)


def to_feature_extractor(model, features_name=FEATURES, batch_dim=BATCH_DIM):
    """Return a new ModelProto that maps the model's image input to
    `features_name` = Flatten(axis=1)(last GlobalAveragePool), i.e. [N, C].

    The classifier after the pooling (Flatten/Gemm/Softmax ...) is dropped,
    unused initializers are removed, the batch dimension of the input and the
    output is made symbolic, and the result passes onnx.checker.
    """
    src = model.graph
    image_in = _image_input(src)

    gaps = [n for n in src.node if n.op_type == "GlobalAveragePool"]
    if not gaps:
        raise ValueError("no GlobalAveragePool node found in the model")
    pooled = gaps[-1].output[0]

    existing = {o for n in src.node for o in n.output}
    existing.update(vi.name for vi in src.input)
    existing.update(t.name for t in src.initializer)
    if features_name in existing:
        raise ValueError("the model already has a tensor named %r" % features_name)

    flatten = helper.make_node("Flatten", [pooled], [features_name],
                               name=features_name + "_flatten", axis=1)
    nodes = list(src.node) + [flatten]

    # Walk back from the new output and keep only the nodes it depends on.
    producer = {}
    for idx, n in enumerate(nodes):
        for o in n.output:
            if o:
                producer[o] = idx
    keep = set()
    needed = set()
    stack = [features_name]
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        needed.add(name)
        idx = producer.get(name)
        if idx is None or idx in keep:
            continue
        keep.add(idx)
        refs = {i for i in nodes[idx].input if i}
        for a in nodes[idx].attribute:
            _subgraph_refs(a, refs)
        stack.extend(refs)
    kept_nodes = [nodes[i] for i in sorted(keep)]  # original (topological) order

    produced = {o for n in kept_nodes for o in n.output}
    inits = [t for t in src.initializer if t.name in needed and t.name not in produced]
    init_names = {t.name for t in inits}
    other_inputs = [vi.name for vi in src.input
                    if vi.name in needed and vi.name != image_in.name
                    and vi.name not in init_names]
    if other_inputs:
        raise ValueError("the features depend on extra graph inputs: %s"
                         % ", ".join(other_inputs))
    if image_in.name not in needed:
        raise ValueError("the pooled features do not depend on input %r"
                         % image_in.name)

    new_in = onnx.ValueInfoProto()
    new_in.CopyFrom(image_in)
    dims = new_in.type.tensor_type.shape.dim
    if len(dims) > 0:
        dims[0].Clear()
        dims[0].dim_param = batch_dim

    elem_type = image_in.type.tensor_type.elem_type or TensorProto.FLOAT
    graph = helper.make_graph(
        kept_nodes,
        (src.name or "model") + "_features",
        inputs=[new_in],
        outputs=[helper.make_tensor_value_info(features_name, elem_type, None)],
        initializer=inits,
    )
    out = helper.make_model(graph, opset_imports=list(model.opset_import))
    # Initializers are no longer listed as inputs, which needs IR >= 4; keep
    # the original IR version when newer (ONNX Runtime reads IR 3..10).
    out.ir_version = max(model.ir_version, 7)
    out.producer_name = model.producer_name
    out.producer_version = model.producer_version
    out.domain = model.domain
    out.model_version = model.model_version
    for f in model.functions:
        out.functions.append(f)

    # Give the output its shape [N, C] from shape inference.
    channels = None
    try:
        inferred = onnx.shape_inference.infer_shapes(out)
        for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
            if vi.name == features_name and vi.type.tensor_type.HasField("shape"):
                d = vi.type.tensor_type.shape.dim
                if len(d) == 2 and d[1].HasField("dim_value"):
                    channels = d[1].dim_value
    except Exception:  # inference is best effort; the checker below decides
        pass
    out.graph.output[0].CopyFrom(helper.make_tensor_value_info(
        features_name, elem_type, [batch_dim, channels if channels else "C"]))

    onnx.checker.check_model(out)
    return out


def feature_dimension(model, features_name=FEATURES):
    """The static size of the features' second dimension, or None."""
    for vi in model.graph.output:
        if vi.name == features_name:
            d = vi.type.tensor_type.shape.dim
            if len(d) == 2 and d[1].HasField("dim_value"):
                return d[1].dim_value
    return None


# --------------------------------------------------------------------------
# Download and verification
# --------------------------------------------------------------------------

def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify(path, what):
    size = os.path.getsize(path)
    if size != EXPECTED_SIZE:
        raise FetchError("%s has %d bytes, expected %d." % (what, size, EXPECTED_SIZE))
    digest = _sha256_of(path)
    if digest != EXPECTED_SHA256:
        raise FetchError("%s has SHA-256 %s, expected %s." % (what, digest, EXPECTED_SHA256))


def _download_one(url, dest):
    req = urllib.request.Request(url, headers={"User-Agent": "ImageFinder-fetch/1"})
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp, open(dest, "wb") as f:
        total = 0
        next_report = 10 << 20
        while True:
            block = resp.read(1 << 20)
            if not block:
                break
            total += len(block)
            if total > EXPECTED_SIZE:
                raise FetchError("%s sent more than the expected %d bytes." % (url, EXPECTED_SIZE))
            f.write(block)
            if total >= next_report:
                print("  %5.1f / %.1f MB" % (total / 1e6, EXPECTED_SIZE / 1e6), file=sys.stderr)
                next_report += 10 << 20


def download(dest):
    """Fetch the pinned file into dest, trying each URL; raise FetchError."""
    problems = []
    for url in URLS:
        print("downloading %s" % url, file=sys.stderr)
        try:
            _download_one(url, dest)
            _verify(dest, "the file from " + url)
            return
        except (urllib.error.URLError, OSError, ValueError, FetchError) as e:
            reason = getattr(e, "reason", None) or e
            problems.append("%s: %s" % (url, reason))
            _remove(dest)
    raise FetchError("could not download a verified copy (" + "; ".join(problems) + ").")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def _card(input_name, dimension):
    return {
        "name": "resnet50-v1-7 (ONNX Model Zoo, ImageNet)",
        "description": (
            "ResNet-50 v1 pretrained on ImageNet from the ONNX Model Zoo "
            "(Apache-2.0), cut after the last GlobalAveragePool: pooled "
            "features. Source %s, sha256 %s. Generated by "
            "models/fetch_resnet50.py." % (URLS[0], EXPECTED_SHA256)
        ),
        "input": input_name,
        "output": FEATURES,
        "dimension": dimension,
        "resizeShorterSide": 256,
        "cropSize": 224,
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
    }


def _write_atomic(path, data, mode="wb"):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                               prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def _fail(message):
    print("fetch_resnet50: " + message, file=sys.stderr)
    return 2


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="local", metavar="FILE",
                    help="use an already downloaded resnet50-v1-7.onnx (still hash-checked)")
    ap.add_argument("--force", action="store_true",
                    help="rebuild even if models/resnet50.onnx already exists")
    args = ap.parse_args(argv)

    if not args.force and os.path.exists(OUT_MODEL) and os.path.exists(OUT_CARD):
        print("%s and %s already exist; nothing to do (use --force to rebuild)."
              % (OUT_MODEL, OUT_CARD))
        return 0

    if onnx is None:
        return _fail(
            "the Python package 'onnx' is not installed for %s. Install it with "
            "'apt-get install -y python3-onnx' (Debian/Ubuntu, then run this "
            "script with /usr/bin/python3) or 'pip install onnx', and run the "
            "script again." % sys.executable)

    tmp_download = None
    try:
        if args.local:
            try:
                _verify(args.local, args.local)
            except OSError as e:
                raise FetchError("cannot read %s: %s." % (args.local, e))
            source = args.local
        else:
            fd, tmp_download = tempfile.mkstemp(dir=HERE, prefix=".resnet50-v1-7.",
                                                suffix=".download")
            os.close(fd)
            download(tmp_download)
            source = tmp_download

        print("converting to a feature extractor", file=sys.stderr)
        try:
            original = onnx.load(source)
            model = to_feature_extractor(original)
        except Exception as e:
            raise FetchError("the verified file could not be converted: %s: %s."
                             % (type(e).__name__, e))
        dimension = feature_dimension(model) or 2048
        input_name = model.graph.input[0].name
        model.doc_string = ("resnet50-v1-7 from the ONNX Model Zoo (Apache-2.0), "
                            "pooled %d-d features. sha256 of the source file: %s"
                            % (dimension, EXPECTED_SHA256))
        helper.set_model_props(model, {
            "name": "resnet50-v1-7-features",
            "source": URLS[0],
            "source_sha256": EXPECTED_SHA256,
            "license": "Apache-2.0",
        })
        _write_atomic(OUT_MODEL, model.SerializeToString())
        card = json.dumps(_card(input_name, dimension), indent=2) + "\n"
        _write_atomic(OUT_CARD, card.encode("utf-8"))
    except FetchError as e:
        return _fail(
            "%s The pretrained ResNet-50 comes from the ONNX Model Zoo on "
            "GitHub; downloading it needs internet access. Nothing was written. Either "
            "run this again where the download works, or download %s yourself "
            "(%d bytes, SHA-256 %s) and run 'fetch_resnet50.py --from FILE'; "
            "until then ImageFinder can use the bundled models/tiny-test.onnx "
            "(random weights, for tests and demos only)."
            % (e, URLS[0], EXPECTED_SIZE, EXPECTED_SHA256))
    finally:
        if tmp_download:
            _remove(tmp_download)

    print("wrote %s (input %r -> %r [N, %d]) and %s"
          % (OUT_MODEL, input_name, FEATURES, dimension, OUT_CARD))
    return 0


if __name__ == "__main__":
    sys.exit(main())
