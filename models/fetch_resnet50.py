#!/usr/bin/env python3
"""Download the pretrained ResNet-50 v1 (ImageNet) ONNX model and turn it into
a 2048-d feature extractor for ImageFinder.

Usage
    /usr/bin/python3 models/fetch_resnet50.py [--force] [--from FILE]

Pinned file
    resnet50-v1-7.onnx of the ONNX Model Zoo (MXNet/Gluon export, opset 7),
    sha256 af16a04a6ec48ac494065d4439fe9dea590d337b9ca6dc328160ccf04a217b9c
    size   102583340 bytes
    Whatever the source, a download is only used when its size and SHA-256
    are exactly these.

Sources, tried in this order
    1. https://huggingface.co/onnxmodelzoo/legacy_models/resolve/main/validated/vision/classification/resnet/model/resnet50-v1-7.onnx
       Hugging Face answers a "resolve" URL with a redirect to its CDN; the
       redirect is followed.
    2. https://huggingface.co/onnxmodelzoo/resnet50-v1-7/resolve/main/resnet50-v1-7.onnx
       The zoo organisation's single-model repository of the same file (see
       below for what is and is not confirmed about it).
    3. https://github.com/onnx/models/raw/main/validated/vision/classification/resnet/model/resnet50-v1-7.onnx
    4. https://media.githubusercontent.com/media/onnx/models/main/validated/vision/classification/resnet/model/resnet50-v1-7.onnx
       3 and 4 are the zoo's old Git LFS URLs, dead since 2025-07-01 (GitHub
       answers with an error, or with the small LFS pointer text instead of
       the file; either way the download is refused). They stay last in case
       they come back; they are never tried before the live source.

What was checked, and where (stored copies of these pages; the machine this
was written on had no internet, so no real download was made)
    * The hash and size: the Git LFS pointer of
      validated/vision/classification/resnet/model/resnet50-v1-7.onnx in
      https://github.com/onnx/models at commit b1eeaa1ac722dcc1cd1a8284bde34393dab61c3d
      (2025-06-27, "Add Deprecation Notice (#684)") reads
      "oid sha256:af16a04a...217b9c / size 102583340", and that commit's
      ONNX_HUB_MANIFEST.json gives the same model_sha and model_bytes (input
      "data" [N,3,224,224], output "resnetv17_dense0_fwd" [N,1000]). The same
      commit's README announces the end of LFS downloads on 2025-07-01 and
      points to https://huggingface.co/onnxmodelzoo .
    * The move: https://github.com/iree-org/iree-test-suites/issues/101 says
      the models of onnx/models were mirrored to a "legacy" location on
      Hugging Face, https://huggingface.co/onnxmodelzoo/legacy_models, and
      that links to github.com/onnx/models/tree/main/validated/vision can
      point to .../legacy_models/tree/main/validated/vision instead (same
      paths); iree-test-suites#142 switched its model tests to it.
      https://github.com/onnx/models/issues/681 is the LFS quota failure.
    * The Hugging Face folder: the page
      https://huggingface.co/onnxmodelzoo/legacy_models/tree/main/validated/vision/classification/resnet/model
      lists the zoo's ResNet files (resnet101-v1-7.onnx, resnet152-v1-7.onnx,
      resnet18-v1-7.onnx, resnet34-v1-7.onnx, ... each "Upload
      validated/vision/classification/resnet/model/<file> with
      huggingface_hub"). The stored copy of that page is cut off before
      resnet50-v1-7.onnx, and no stored copy of that file's own blob page
      (where Hugging Face shows the LFS SHA-256) was found, so the hash of the
      Hugging Face copy is NOT confirmed from Hugging Face itself: it is the
      zoo's hash above, enforced by this script on every download.
    * The second source: https://huggingface.co/onnxmodelzoo/resnet50-v1-7
      (file resnet50-v1-7.onnx at the repository root) is the download URL
      of public code that uses it today: a model-download shell script
      ("ResNet-50 v1.7 ... Input: data [N,3,224,224], Output:
      resnetv17_dense0_fwd [N,1000]", curl of .../resolve/main/resnet50-v1-7.onnx),
      a Triton example (hf_hub_download(repo_id="onnxmodelzoo/resnet50-v1-7",
      filename="resnet50-v1-7.onnx")), and the inference4j project, which
      mirrors it as "ResNet-50 v1.7 (ONNX Model Zoo)" (~98 MB). The path and
      the file's identity (input, output, size) are confirmed that way; its
      SHA-256 is not shown by any stored page, so it is tried second, and
      the pinned hash decides, as for every source.

Licence
    Apache-2.0, as stated by onnx/models (LICENSE and the ResNet README).

What it does
    1. If resnet50.onnx and resnet50.json both exist in the output folder
       (default: this folder, models/): says so and exits 0 (--force rebuilds).
    2. Tries the sources in order. Each download is streamed into a temporary
       file in the output folder; its size (announced and received) and
       SHA-256 are checked before anything is written under a final name. A
       wrong size or hash, an HTTP error (404, 5xx ...), a timeout or a
       connection dropped mid-body moves on to the next source; the temporary
       file is always removed (only a SIGKILL can leave a hidden
       .resnet50-v1-7.*.download file behind, never a file under a final
       name; the next run removes it). With --from FILE a local copy is used
       instead, checked the same way.
    3. Cuts the classifier off: appends Flatten(axis=1) after the last
       GlobalAveragePool, producing output "features" [N, 2048], keeps only
       the sub-graph from the image input to "features", makes the batch
       dimension symbolic ("N") and runs onnx.checker.
    4. Saves resnet50.onnx atomically and writes the model card resnet50.json
       (with a "provenance" object: the source actually used and its SHA-256).

If every source fails it prints one paragraph naming each source and why it
failed, and how to get the model another way: --from FILE with a copy
downloaded elsewhere, or, on a machine with torch,
models/export_torchvision.py --arch resnet50 (torchvision's ImageNet weights).

Options for tests only: --url URL (repeatable; replaces the source list),
--sha256 HEX, --size N, --out-dir DIR. Without them the pinned values above
are used.

Exit codes: 0 ok, 1 bad usage, 2 download / verification / conversion failed
or the onnx package is missing.

Requires the onnx Python package (Debian: apt-get install -y python3-onnx;
otherwise: pip install onnx).  Run with a Python that has it, e.g.
/usr/bin/python3 models/fetch_resnet50.py
"""

import argparse
import hashlib
import http.client
import json
import os
import pathlib
import re
import socket
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

try:
    import onnx
    from onnx import TensorProto, helper
except ImportError:  # reported by main(), so the transform stays importable
    onnx = None

FILE_NAME = "resnet50-v1-7.onnx"
MODEL_PATH_IN_ZOO = "validated/vision/classification/resnet/model/" + FILE_NAME
HUGGING_FACE_URL = ("https://huggingface.co/onnxmodelzoo/legacy_models/resolve/main/"
                    + MODEL_PATH_IN_ZOO)
# The zoo's Git LFS URLs on GitHub, dead since 2025-07-01 (see the docstring).
DEAD_GITHUB_URLS = [
    "https://github.com/onnx/models/raw/main/" + MODEL_PATH_IN_ZOO,
    "https://media.githubusercontent.com/media/onnx/models/main/" + MODEL_PATH_IN_ZOO,
]
# The zoo organisation's single-model repository on Hugging Face (see the docstring).
HUGGING_FACE_SINGLE_URL = "https://huggingface.co/onnxmodelzoo/resnet50-v1-7/resolve/main/" + FILE_NAME
SOURCES = [HUGGING_FACE_URL, HUGGING_FACE_SINGLE_URL] + DEAD_GITHUB_URLS
EXPECTED_SHA256 = "af16a04a6ec48ac494065d4439fe9dea590d337b9ca6dc328160ccf04a217b9c"
EXPECTED_SIZE = 102583340
LICENSE = "Apache-2.0"
MODEL_NAME = "resnet50-v1-7 (ONNX Model Zoo, ImageNet)"
TIMEOUT_S = 30
FEATURES = "features"
BATCH_DIM = "N"

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_MODEL_NAME = "resnet50.onnx"
OUT_CARD_NAME = "resnet50.json"
TEMP_PREFIX = ".resnet50-v1-7."
TEMP_SUFFIX = ".download"


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

class Pinned:
    """What a file must be: its size in bytes and its SHA-256 (lower-case hex)."""

    def __init__(self, size, sha256):
        self.size = size
        self.sha256 = sha256


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _remove_stale_downloads(folder):
    """Temporary files a killed run left behind (a SIGKILL skips the cleanup)."""
    for name in os.listdir(folder):
        if name.startswith(TEMP_PREFIX) and name.endswith(TEMP_SUFFIX):
            _remove(os.path.join(folder, name))


def _sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_file(path, pinned):
    """Raise FetchError unless the file at path has the pinned size and hash."""
    try:
        size = os.path.getsize(path)
        if size != pinned.size:
            raise FetchError("%s has %d bytes, expected %d" % (path, size, pinned.size))
        digest = _sha256_of(path)
    except OSError as e:
        raise FetchError("cannot read %s: %s" % (path, e.strerror or e))
    if digest != pinned.sha256:
        raise FetchError("%s: SHA-256 mismatch: it has %s, expected %s"
                         % (path, digest, pinned.sha256))


def _reason(e):
    """A short human reason for a failed download."""
    if isinstance(e, FetchError):
        return str(e)
    if isinstance(e, urllib.error.HTTPError):
        return "HTTP %d %s" % (e.code, e.reason)
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timed out (no data for %d s)" % TIMEOUT_S
    if isinstance(e, urllib.error.URLError):
        reason = e.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return "timed out (no data for %d s)" % TIMEOUT_S
        return "no connection (%s)" % (getattr(reason, "strerror", None) or reason)
    if isinstance(e, http.client.IncompleteRead):
        return "the connection closed before the whole body arrived (IncompleteRead)"
    if isinstance(e, ConnectionError):
        return "the connection broke (%s)" % (e.strerror or type(e).__name__)
    if isinstance(e, http.client.HTTPException):
        return "bad HTTP response (%s: %s)" % (type(e).__name__, e)
    if isinstance(e, OSError):
        return "%s (%s)" % (e.strerror or type(e).__name__, type(e).__name__)
    return "%s: %s" % (type(e).__name__, e)


def _download_one(url, out, pinned):
    """Stream url into the open binary file out, checking as it goes; return
    the SHA-256 of what was received. Raise FetchError (or a urllib / socket /
    http.client error) when the body is not exactly the pinned file."""
    req = urllib.request.Request(url, headers={"User-Agent": "ImageFinder-fetch/2"})
    # urlopen follows redirects (301/302/303/307/308, at most 10).
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        announced = resp.headers.get("Content-Length")
        if announced is not None and announced.strip().isdigit() and int(announced) != pinned.size:
            raise FetchError("the server announced %s bytes, expected %d" % (announced.strip(), pinned.size))
        h = hashlib.sha256()
        total = 0
        next_report = 10 << 20
        while True:
            block = resp.read(1 << 20)
            if not block:
                break
            total += len(block)
            if total > pinned.size:
                raise FetchError("it sent more than the expected %d bytes" % pinned.size)
            h.update(block)
            out.write(block)
            if total >= next_report:
                print("  %5.1f / %.1f MB" % (total / 1e6, pinned.size / 1e6), file=sys.stderr)
                next_report += 10 << 20
    if total != pinned.size:
        raise FetchError("the download stopped after %d of %d bytes" % (total, pinned.size))
    digest = h.hexdigest()
    if digest != pinned.sha256:
        raise FetchError("SHA-256 mismatch: the file has %s, expected %s" % (digest, pinned.sha256))
    return digest


def download(urls, dest, pinned):
    """Fetch the pinned file into dest (a temporary file), trying each URL in
    order; return the URL that gave it. On failure dest is left empty and a
    FetchError names every URL and its reason."""
    problems = []
    for url in urls:
        print("downloading %s" % url, file=sys.stderr)
        try:
            with open(dest, "wb") as out:
                _download_one(url, out, pinned)
            return url
        except (FetchError, urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as e:
            reason = _reason(e)
            print("  failed: %s" % reason, file=sys.stderr)
            dead = " (an old GitHub LFS URL, dead since 2025-07-01)" if url in DEAD_GITHUB_URLS else ""
            problems.append("%s%s: %s" % (url, dead, reason))
    with open(dest, "wb"):
        pass  # drop the partial body now; the caller removes the file
    raise FetchError("could not download a verified %s. Tried %s."
                     % (FILE_NAME, "; ".join("%d. %s" % (i + 1, p) for i, p in enumerate(problems))))


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def _card(input_name, dimension, source, sha256):
    return {
        "name": MODEL_NAME,
        "description": (
            "ResNet-50 v1 pretrained on ImageNet from the ONNX Model Zoo "
            "(%s), cut after the last GlobalAveragePool: pooled features. "
            "Source %s, sha256 %s. Generated by models/fetch_resnet50.py."
            % (LICENSE, source, sha256)
        ),
        "input": input_name,
        "output": FEATURES,
        "dimension": dimension,
        "resizeShorterSide": 256,
        "cropSize": 224,
        "interpolation": "bilinear",
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
        "provenance": {
            "source": source,
            "sha256": sha256,
            "file": FILE_NAME,
            "license": LICENSE,
        },
    }


def _write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path),
                               prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        _remove(tmp)
        raise


def _fail(message):
    print("fetch_resnet50: " + message, file=sys.stderr)
    return 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # bad usage is exit 1, not argparse's 2 (2 means "fetch failed")
        self.print_usage(sys.stderr)
        self.exit(1, "%s: error: %s\n" % (self.prog, message))


def _sha256_arg(text):
    if not re.fullmatch(r"[0-9a-fA-F]{64}", text):
        raise argparse.ArgumentTypeError("expected 64 hex digits")
    return text.lower()


def _size_arg(text):
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError("expected a positive number of bytes")
    return int(text)


def _url_arg(text):
    if urllib.parse.urlsplit(text).scheme not in ("http", "https"):
        raise argparse.ArgumentTypeError("only http and https URLs")
    return text


def _other_ways(pinned, url):
    return (
        "Nothing was written. To get the model another way: download %s "
        "(%d bytes, SHA-256 %s) on a machine with internet access and run "
        "'models/fetch_resnet50.py --from FILE' (checked the same way), or, on a "
        "machine with torch, export torchvision's ImageNet ResNet-50 with "
        "'models/export_torchvision.py --arch resnet50'. Until then ImageFinder "
        "can use the bundled models/tiny-test.onnx (random weights, for tests and "
        "demos only)." % (url, pinned.size, pinned.sha256))


def main(argv=None):
    ap = _Parser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="local", metavar="FILE",
                    help="use an already downloaded resnet50-v1-7.onnx (still size- and hash-checked)")
    ap.add_argument("--force", action="store_true",
                    help="rebuild even if resnet50.onnx and resnet50.json already exist")
    ap.add_argument("--url", dest="urls", action="append", type=_url_arg, metavar="URL",
                    help="for tests: a source to try (repeatable, in order); replaces the pinned list")
    ap.add_argument("--sha256", type=_sha256_arg, metavar="HEX",
                    help="for tests: the expected SHA-256 instead of the pinned one")
    ap.add_argument("--size", type=_size_arg, metavar="N",
                    help="for tests: the expected size in bytes instead of the pinned one")
    ap.add_argument("--out-dir", metavar="DIR", default=HERE,
                    help="for tests: where resnet50.onnx and resnet50.json go (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.local and args.urls:
        ap.error("--from and --url exclude each other")

    pinned = Pinned(args.size or EXPECTED_SIZE, args.sha256 or EXPECTED_SHA256)
    urls = args.urls or SOURCES
    out_dir = os.path.abspath(args.out_dir)
    out_model = os.path.join(out_dir, OUT_MODEL_NAME)
    out_card = os.path.join(out_dir, OUT_CARD_NAME)
    if not os.path.isdir(out_dir):
        ap.error("--out-dir %s is not a folder" % out_dir)

    if not args.force and os.path.exists(out_model) and os.path.exists(out_card):
        print("%s and %s already exist; nothing to do (use --force to rebuild)."
              % (out_model, out_card))
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
            verify_file(args.local, pinned)
            source_path = args.local
            source = pathlib.Path(os.path.abspath(args.local)).as_uri()
        else:
            _remove_stale_downloads(out_dir)
            fd, tmp_download = tempfile.mkstemp(dir=out_dir, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
            os.close(fd)
            source = download(urls, tmp_download, pinned)
            source_path = tmp_download

        print("converting to a feature extractor", file=sys.stderr)
        try:
            original = onnx.load(source_path)
            model = to_feature_extractor(original)
        except Exception as e:
            raise FetchError("The verified file could not be converted: %s: %s."
                             % (type(e).__name__, e))
        dimension = feature_dimension(model) or 2048
        input_name = model.graph.input[0].name
        model.doc_string = ("resnet50-v1-7 from the ONNX Model Zoo (%s), "
                            "pooled %d-d features. Source %s, sha256 %s"
                            % (LICENSE, dimension, source, pinned.sha256))
        helper.set_model_props(model, {
            "name": "resnet50-v1-7-features",
            "source": source,
            "source_sha256": pinned.sha256,
            "license": LICENSE,
        })
        _write_atomic(out_model, model.SerializeToString())
        card = json.dumps(_card(input_name, dimension, source, pinned.sha256), indent=2) + "\n"
        _write_atomic(out_card, card.encode("utf-8"))
    except FetchError as e:
        message = str(e)
        if not message.endswith("."):
            message += "."
        return _fail("%s %s" % (message, _other_ways(pinned, urls[0])))
    finally:
        if tmp_download:
            _remove(tmp_download)

    print("wrote %s (input %r -> %r [N, %d]) from %s and %s"
          % (out_model, input_name, FEATURES, dimension, source, out_card))
    return 0


if __name__ == "__main__":
    sys.exit(main())
