#!/usr/bin/env python3
"""Export a torchvision ImageNet backbone to ONNX as a pooled-feature extractor
for ImageFinder, with its model card.

Usage
    /usr/bin/python3 models/export_torchvision.py --arch ARCH
        [--weights DEFAULT|IMAGENET1K_V1|IMAGENET1K_V2|none] [--out DIR]
        [--cli PATH] [--no-check]

    ARCH is resnet50, resnet18, vgg16, efficientnet_b2 or mobilenet_v3_large.
    Writes DIR/ARCH.onnx and DIR/ARCH.json (DIR defaults to models/); start
    ImageFinder with --model DIR/ARCH.onnx (or ImageFinder:ModelPath).

Weights
    DEFAULT (the default) is the enum's DEFAULT weights (resnet50 and
    mobilenet_v3_large: IMAGENET1K_V2; the others: IMAGENET1K_V1); the card
    records the resolved name. Pretrained weights are downloaded by torch
    into its cache (TORCH_HOME, default ~/.cache/torch) once, and their
    SHA-256 is checked against the hash prefix in torchvision's file name,
    also when the file was already cached. That needs internet access once.

    --weights none builds the same graph with random weights (seeded, so the
    output is the same every time; no download), and sets each batch norm's
    statistics from seeded random inputs, so activations keep a trained
    network's scale instead of vanishing or growing layer after layer (a
    random EfficientNet-B2's features would be about 1e-14). Such a model has the size
    and cost of the real one, for tests and benchmarks, but its similarities
    mean nothing: its card's name says "random weights: NOT pretrained".
    Its preprocessing is that of the arch's DEFAULT weights.

What it does
    1. Builds the model and removes the classifier, so the output is the
       pooled features [N, D]: resnet50 2048 and resnet18 512 (fc = Identity),
       vgg16 4096 and mobilenet_v3_large 1280 (the last Linear of classifier
       dropped), efficientnet_b2 1408 (classifier = Identity).
    2. Exports it in eval mode (opset 17): input "input" [N,3,S,S], output
       "features" [N,D], N dynamic.
    3. Writes the card: the preprocessing comes from the weights' own
       transforms() (resize, crop, interpolation, mean, std), never assumed.
    4. Checks ONNX Runtime's output against torch's on a batch of 2 random
       inputs: with the Python onnxruntime package if it is importable,
       otherwise with ImageFinder's own `model-check` CLI command (the ONNX
       session the product embeds with), found at
       src/ImageFinder.Cli/bin/Release/net10.0/linux-x64/ImageFinder.Cli.dll
       or given with --cli (which also takes precedence over onnxruntime).
       --no-check skips this.
    5. Moves the model and the card into DIR (each with os.replace). Nothing
       is written to DIR when a step fails.

Exit codes: 0 ok, 1 bad usage, 2 failure (one paragraph on stderr).

Requires Python 3 with torch, torchvision (with the weights= API, 0.13+),
onnx and numpy; Debian 12: apt-get install -y python3-torch
python3-torchvision python3-onnx python3-numpy, then run with /usr/bin/python3.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse

ARCHS = {
    # arch: (feature dimension, how the classifier is removed)
    "resnet50": (2048, "fc = Identity"),
    "resnet18": (512, "fc = Identity"),
    "vgg16": (4096, "the last Linear of classifier dropped"),
    "efficientnet_b2": (1408, "classifier = Identity"),
    "mobilenet_v3_large": (1280, "the last Linear of classifier dropped"),
}
WEIGHT_CHOICES = ["DEFAULT", "IMAGENET1K_V1", "IMAGENET1K_V2", "none"]
INPUT = "input"
OUTPUT = "features"
BATCH_DIM = "N"
OPSET = 17
SEED = 20261201
CHECK_BATCH = 2
RELATIVE_TOLERANCE = 1e-3
CALIBRATION_BATCHES = 2
CALIBRATION_BATCH = 8

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_CLI = os.path.join(REPO, "src", "ImageFinder.Cli", "bin", "Release", "net10.0", "linux-x64",
                           "ImageFinder.Cli.dll")

torch = None
torchvision = None
onnx = None
np = None


class ExportError(Exception):
    """A failure that is reported as one paragraph and exit code 2."""


class UsageError(Exception):
    """Bad arguments: exit code 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print("export_torchvision: " + message, file=sys.stderr)
        sys.exit(1)


def _log(message):
    print(message, file=sys.stderr, flush=True)


def _import_libraries():
    global torch, torchvision, onnx, np
    missing = []
    for name in ("torch", "torchvision", "onnx", "numpy"):
        try:
            module = __import__(name)
        except ImportError:
            missing.append(name)
            continue
        globals()["np" if name == "numpy" else name] = module
    if missing:
        raise ExportError(
            "the Python package(s) %s are not installed for %s. On Debian/Ubuntu: apt-get install -y "
            "python3-torch python3-torchvision python3-onnx python3-numpy, then run this script with "
            "/usr/bin/python3; elsewhere: pip install torch torchvision onnx numpy."
            % (", ".join(missing), sys.executable))
    if not hasattr(torchvision.models, "get_model_weights"):
        raise ExportError(
            "torchvision %s is too old: this script needs the weights= API and weight enums "
            "(torchvision 0.14 or newer)." % torchvision.__version__)


# --------------------------------------------------------------------------
# Weights and preprocessing
# --------------------------------------------------------------------------

def resolve_weights(arch, choice):
    """(weights enum member or None, the member whose transforms give the preprocessing)."""
    enum = torchvision.models.get_model_weights(arch)
    default = enum.DEFAULT
    if choice == "none":
        return None, default
    if choice == "DEFAULT":
        return default, default
    names = [w.name for w in enum]
    if choice not in names:
        raise UsageError("%s has no %s weights in torchvision %s (it has: %s, and DEFAULT = %s)."
                         % (arch, choice, torchvision.__version__, ", ".join(names), default.name))
    member = enum[choice]
    return member, member


def preprocessing_of(weights):
    """resize, crop, interpolation, mean, std from the weights' own transforms()."""
    t = weights.transforms()
    resize = list(t.resize_size)
    crop = list(t.crop_size)
    if len(resize) != 1 or len(crop) != 1:
        raise ExportError("%s's transforms resize to %s and crop to %s; ImageFinder needs one shorter-side "
                          "size and one square crop." % (weights, resize, crop))
    interpolation = getattr(t.interpolation, "value", str(t.interpolation)).lower()
    if interpolation not in ("bilinear", "bicubic"):
        raise ExportError("%s's transforms use %s interpolation; ImageFinder resamples bilinear or bicubic only."
                          % (weights, interpolation))
    return {
        "resizeShorterSide": int(resize[0]),
        "cropSize": int(crop[0]),
        "interpolation": interpolation,
        "mean": [float(v) for v in t.mean],
        "std": [float(v) for v in t.std],
    }


def _sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_checked(weights):
    """Downloads the weights into torch's cache (once) and checks their SHA-256 against the prefix in
    torchvision's file name; a cached file is checked too (torch.hub checks only when it downloads)."""
    url = weights.url
    filename = os.path.basename(urllib.parse.urlparse(url).path)
    match = torch.hub.HASH_REGEX.search(filename)
    if not match or len(match.group(1)) < 8:
        raise ExportError("%s's file name %s carries no hash to check it against." % (weights, filename))
    prefix = match.group(1)
    checkpoints = os.path.join(torch.hub.get_dir(), "checkpoints")
    cached = os.path.join(checkpoints, filename)
    if not os.path.exists(cached):
        _log("downloading %s into %s" % (url, checkpoints))
        try:
            os.makedirs(checkpoints, exist_ok=True)
            torch.hub.download_url_to_file(url, cached, hash_prefix=prefix, progress=True)
        except (urllib.error.URLError, OSError, RuntimeError) as e:
            raise ExportError(
                "could not download %s's weights from %s (%s: %s). Pretrained weights need internet access "
                "once (torch caches them under %s); --weights none exports the same graph with random weights."
                % (weights, url, type(e).__name__, getattr(e, "reason", None) or e, checkpoints))
    digest = _sha256_of(cached)
    if not digest.startswith(prefix):
        raise ExportError(
            "the cached weights %s have SHA-256 %s, which does not start with %s as torchvision's file name "
            "says: the file is corrupt or not torchvision's. Delete it and run this again to download it anew."
            % (cached, digest, prefix))
    return digest


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------

def build_features_model(arch, weights, crop):
    """The arch with its classifier removed, in eval mode; random weights from SEED when weights is None."""
    if weights is None:
        torch.manual_seed(SEED)
    model = torchvision.models.get_model(arch, weights=weights)
    nn = torch.nn
    if arch in ("resnet50", "resnet18"):
        model.fc = nn.Identity()
    elif arch == "efficientnet_b2":
        model.classifier = nn.Identity()
    elif arch in ("vgg16", "mobilenet_v3_large"):
        layers = list(model.classifier.children())
        if not isinstance(layers[-1], nn.Linear):
            raise ExportError("%s's classifier does not end with a Linear layer: %s" % (arch, model.classifier))
        model.classifier = nn.Sequential(*layers[:-1])
    else:
        raise UsageError("unknown arch %s" % arch)
    model.eval()
    if weights is None:
        calibrate_batch_norm(model, crop)
    return model


def calibrate_batch_norm(model, crop):
    """Random weights with fresh batch-norm statistics (mean 0, variance 1) make eval-mode activations grow or
    vanish layer after layer (random EfficientNet-B2 features are about 1e-14, ResNet-50's about 1e2). Like a
    trained network's, each batch norm's running statistics are set here from the activations it sees, on
    seeded random inputs, so every layer works at a realistic scale. The graph and its cost do not change."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the calibration batches
        m.train()
    generator = torch.Generator().manual_seed(SEED + 2)
    with torch.no_grad():
        for _ in range(CALIBRATION_BATCHES):
            model(torch.randn(CALIBRATION_BATCH, 3, crop, crop, generator=generator))
    model.eval()


def export_onnx(model, path, crop, description):
    dummy = torch.zeros(1, 3, crop, crop)
    with torch.no_grad():
        torch.onnx.export(
            model, dummy, path,
            input_names=[INPUT], output_names=[OUTPUT],
            dynamic_axes={INPUT: {0: BATCH_DIM}, OUTPUT: {0: BATCH_DIM}},
            opset_version=OPSET, do_constant_folding=True,
            training=torch.onnx.TrainingMode.EVAL)
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    outputs = {o.name: o for o in proto.graph.output}
    if list(outputs) != [OUTPUT]:
        raise ExportError("the exported graph has outputs %s, expected only %r." % (list(outputs), OUTPUT))
    proto.doc_string = description
    onnx.helper.set_model_props(proto, {"exporter": "models/export_torchvision.py"})
    onnx.save(proto, path)


# --------------------------------------------------------------------------
# Checking ONNX Runtime against torch
# --------------------------------------------------------------------------

def _compare(actual, expected):
    actual = np.asarray(actual, dtype=np.float32)
    if actual.shape != expected.shape:
        raise ExportError("ONNX Runtime gave shape %s, torch %s." % (actual.shape, expected.shape))
    largest = float(np.max(np.abs(expected)))
    diff = float(np.max(np.abs(actual - expected)))
    bound = RELATIVE_TOLERANCE * largest if largest > 0 else RELATIVE_TOLERANCE
    if not np.isfinite(diff) or diff > bound:
        raise ExportError("ONNX Runtime's output differs from torch's by up to %.3g (largest |value| %.4g, "
                          "tolerance %.3g)." % (diff, largest, bound))
    return "max abs diff %.3g (tolerance %.3g): ok" % (diff, bound)


def _dotnet():
    host = os.environ.get("DOTNET_HOST_PATH")
    if host and os.path.isfile(host):
        return host
    return shutil.which("dotnet")


def check_with_cli(cli, onnx_path, batch, expected, work):
    input_path = os.path.join(work, "check-input.f32")
    expected_path = os.path.join(work, "check-expected.f32")
    batch.astype("<f4").tofile(input_path)
    expected.astype("<f4").tofile(expected_path)
    if cli.endswith(".dll"):
        dotnet = _dotnet()
        if dotnet is None:
            raise ExportError("the check needs the dotnet host to run %s, and none is on PATH." % cli)
        command = [dotnet, cli]
    else:
        command = [cli]
    command += ["model-check", "--model", onnx_path, "--input", input_path, "--expected", expected_path,
                "--tolerance", repr(RELATIVE_TOLERANCE)]
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ExportError("could not run ImageFinder's model-check (%s): %s." % (" ".join(command[:2]), e))
    finally:
        for path in (input_path, expected_path):
            if os.path.exists(path):
                os.remove(path)
    if done.returncode != 0:
        raise ExportError("ImageFinder's model-check refused the export (exit %d): %s"
                          % (done.returncode, " ".join((done.stderr or done.stdout).split())))
    return "ImageFinder model-check: " + done.stdout.strip()


def check_with_onnxruntime(ort, onnx_path, batch, expected):
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    (actual,) = session.run([OUTPUT], {INPUT: batch})
    return "onnxruntime %s: %s" % (ort.__version__, _compare(actual, expected))


def check(model, onnx_path, crop, dimension, cli, work):
    generator = torch.Generator().manual_seed(SEED + 1)
    batch = torch.randn(CHECK_BATCH, 3, crop, crop, generator=generator)
    with torch.no_grad():
        expected = model(batch).numpy().astype(np.float32)
    if expected.shape != (CHECK_BATCH, dimension):
        raise ExportError("torch's output has shape %s, expected %s." % (expected.shape, (CHECK_BATCH, dimension)))
    batch = batch.numpy().astype(np.float32)
    if cli is None:
        try:
            import onnxruntime as ort
            return check_with_onnxruntime(ort, onnx_path, batch, expected)
        except ImportError:
            pass
        if not os.path.isfile(DEFAULT_CLI):
            raise ExportError(
                "cannot check the export against ONNX Runtime: the Python package onnxruntime is not "
                "importable and ImageFinder's CLI is not built (%s is missing). Install onnxruntime "
                "(pip install onnxruntime), or build ImageFinder (dotnet build ImageFinder.sln -c Release), "
                "or pass --cli PATH to ImageFinder.Cli.dll; --no-check skips the check." % DEFAULT_CLI)
        cli = DEFAULT_CLI
    elif not os.path.isfile(cli):
        raise ExportError("--cli: %s does not exist." % cli)
    return check_with_cli(cli, onnx_path, batch, expected, work)


# --------------------------------------------------------------------------
# Card
# --------------------------------------------------------------------------

def card_for(arch, weights, preprocessing_weights, pre, dimension):
    how = ARCHS[arch][1]
    prep = "resize the shorter side to %d, centre crop %d, %s, mean %s, std %s" % (
        pre["resizeShorterSide"], pre["cropSize"], pre["interpolation"], pre["mean"], pre["std"])
    if weights is None:
        name = "%s (torchvision, random weights: NOT pretrained)" % arch
        description = (
            "NOT pretrained: torchvision %s's %s with RANDOM weights (seed %d, --weights none; batch-norm "
            "statistics taken from random inputs), %s, pooled %d-d features. The graph, size and cost of the real "
            "model, for tests and benchmarks; its similarities "
            "mean nothing. Preprocessing is that of the arch's DEFAULT weights (%s): %s. Exported by "
            "models/export_torchvision.py." % (torchvision.__version__, arch, SEED, how, dimension,
                                                preprocessing_weights.name, prep))
    else:
        name = "%s (torchvision %s)" % (arch, weights.name)
        metrics = weights.meta.get("_metrics", {}).get("ImageNet-1K", {})
        accuracy = (" (ImageNet-1K acc@1 %s as torchvision reports it)" % metrics["acc@1"]) if "acc@1" in metrics else ""
        description = (
            "torchvision %s's %s with its %s ImageNet weights%s from %s, %s: pooled %d-d features. "
            "Preprocessing from those weights' transforms: %s. Training recipe: %s. Exported by "
            "models/export_torchvision.py." % (torchvision.__version__, arch, weights.name, accuracy, weights.url,
                                                how, dimension, prep, weights.meta.get("recipe", "n/a")))
    card = {"name": name, "description": description, "input": INPUT, "output": OUTPUT, "dimension": dimension}
    card.update(pre)
    return card


def _write_atomic(path, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def run(args):
    arch = args.arch
    out = os.path.abspath(args.out)
    _import_libraries()
    torch.set_num_threads(os.cpu_count() or 1)
    weights, preprocessing_weights = resolve_weights(arch, args.weights)
    dimension = ARCHS[arch][0]
    pre = preprocessing_of(preprocessing_weights)
    crop = pre["cropSize"]
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise ExportError("cannot create --out %s: %s." % (out, e))

    started = time.monotonic()
    if weights is not None:
        fetch_checked(weights)
    model = build_features_model(arch, weights, crop)
    card = card_for(arch, weights, preprocessing_weights, pre, dimension)
    work = tempfile.mkdtemp(dir=out, prefix=".export-%s." % arch)
    try:
        onnx_tmp = os.path.join(work, arch + ".onnx")
        _log("exporting %s (%s) to ONNX opset %d" % (arch, weights.name if weights else "random weights", OPSET))
        try:
            export_onnx(model, onnx_tmp, crop, card["description"])
        except ExportError:
            raise
        except Exception as e:
            raise ExportError("torch could not export %s to ONNX: %s: %s." % (arch, type(e).__name__, e))
        exported = time.monotonic()
        card["provenance"] = {
            "arch": arch,
            "weights": weights.name if weights else "none",
            "torchvision": torchvision.__version__,
            "torch": torch.__version__,
            "sha256": _sha256_of(onnx_tmp),
            "exporter": "models/export_torchvision.py",
            "opset": OPSET,
        }
        if weights is not None:
            card["provenance"]["weightsUrl"] = weights.url
        else:
            card["provenance"]["seed"] = SEED
        card_bytes = (json.dumps(card, indent=2) + "\n").encode("utf-8")
        with open(os.path.join(work, arch + ".json"), "wb") as f:
            f.write(card_bytes)  # beside the model, for model-check

        if args.no_check:
            verdict = "not checked against ONNX Runtime (--no-check)"
        else:
            _log("checking ONNX Runtime against torch on %d random inputs" % CHECK_BATCH)
            verdict = check(model, onnx_tmp, crop, dimension, args.cli, work)
        checked = time.monotonic()

        onnx_path = os.path.join(out, arch + ".onnx")
        card_path = os.path.join(out, arch + ".json")
        os.replace(onnx_tmp, onnx_path)
        _write_atomic(card_path, card_bytes)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("wrote %s (%s: %r [N,3,%d,%d] -> %r [N,%d], %.1f MB) and %s"
          % (onnx_path, card["name"], INPUT, crop, crop, OUTPUT, dimension, os.path.getsize(onnx_path) / 1e6,
             card_path))
    print("preprocessing: resize %d, crop %d, %s" % (pre["resizeShorterSide"], crop, pre["interpolation"]))
    print("check: %s" % verdict)
    print("time: export %.1f s, check %.1f s" % (exported - started, checked - exported))
    return 0


def main(argv=None):
    ap = _Parser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    ap.add_argument("--arch", required=True, choices=sorted(ARCHS))
    ap.add_argument("--weights", default="DEFAULT", choices=WEIGHT_CHOICES,
                    help="torchvision weights to export, or none for random weights (default: DEFAULT)")
    ap.add_argument("--out", default=HERE, metavar="DIR", help="folder for ARCH.onnx and ARCH.json (default: models/)")
    ap.add_argument("--cli", metavar="PATH",
                    help="ImageFinder.Cli.dll (or executable) whose model-check verifies the export")
    ap.add_argument("--no-check", action="store_true", help="skip the ONNX Runtime check")
    args = ap.parse_args(argv)
    try:
        return run(args)
    except UsageError as e:
        ap.print_usage(sys.stderr)
        print("export_torchvision: %s" % e, file=sys.stderr)
        return 1
    except ExportError as e:
        print("export_torchvision: %s Nothing was written to %s." % (e, os.path.abspath(args.out)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
