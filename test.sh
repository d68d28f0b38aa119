#!/usr/bin/env bash
# Runs every test: installs what is missing (npm for sqlite-vec, chromium, Python's onnx and
# torch for the model scripts, redis-cli and the pinned garnet-server tool for the Garnet tests), checks formatting,
# builds with warnings as errors, and runs the xunit suite (unit + integration through the real host and
# the real native libraries, with the committed tiny model).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is needed: https://dotnet.microsoft.com/download" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "npm is needed to fetch sqlite-vec (no NuGet package ships it): install Node.js 20+ (apt-get install npm)." >&2
    exit 1
  fi
fi

# Headless Chromium for the browser tests of the web page (they fail, saying so, when it is missing). Playwright drives
# this browser (/usr/lib/chromium/chromium, or CHROMIUM); it never downloads one of its own (no `playwright install`).
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and cannot be installed here (not root): the browser tests will fail. Install it (apt-get install chromium) or set CHROMIUM." >&2
  fi
fi
# redis-cli (Debian's redis-tools) for docker/garnet/cluster.sh, which forms the local Garnet cluster of the Garnet tests.
if ! command -v redis-cli >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing redis-tools (redis-cli, for the Garnet cluster tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-tools >/dev/null
  else
    echo "redis-cli is missing and cannot be installed here (not root): the Garnet cluster tests will fail. Install it (apt-get install redis-tools)." >&2
  fi
fi
# Python with onnx, numpy, torch and torchvision (Debian's packages) for the model scripts' tests: the
# ResNet-50 fetch/convert script and the torchvision exporter (random weights: no download).
if ! /usr/bin/python3 -c 'import onnx, numpy, torch, torchvision' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing python3-onnx, python3-numpy, python3-torch, python3-torchvision (model script tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-onnx python3-numpy python3-torch python3-torchvision >/dev/null
  else
    echo "python3 with onnx, numpy, torch and torchvision is missing and cannot be installed here (not root): the model script tests will fail. apt-get install python3-onnx python3-numpy python3-torch python3-torchvision." >&2
  fi
fi

# Screenshots of the web page taken by the browser tests.
export TEST_ARTIFACTS="${TEST_ARTIFACTS:-$(pwd)/test-artifacts}"

native/install.sh
# The dotnet tools pinned in .config/dotnet-tools.json: garnet-server, which docker/garnet/cluster.sh runs, and NSwag,
# which GeneratedClientTests generates a client of the API with.
dotnet tool restore
# NuGet packages exactly as the lock files record them (versions in Directory.Packages.props).
dotnet restore ImageFinder.sln --locked-mode -nologo -v quiet
dotnet build ImageFinder.sln -c Release --no-restore -nologo -clp:ErrorsOnly
dotnet format ImageFinder.sln --verify-no-changes --no-restore

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test ImageFinder.sln -c Release --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line that any reader understands: "N passed, N failed, N skipped".
line="$(grep -E '(Passed|Failed)!  - Failed:' "$log" | tail -n 1)"
failed="$(sed -nE 's/.*Failed: *([0-9]+),.*/\1/p' <<<"$line")"
passed="$(sed -nE 's/.*Passed: *([0-9]+),.*/\1/p' <<<"$line")"
skipped="$(sed -nE 's/.*Skipped: *([0-9]+),.*/\1/p' <<<"$line")"
echo
echo "screenshots of the web page: $TEST_ARTIFACTS"
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
if [ -z "$line" ] && [ "$status" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
