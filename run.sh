#!/usr/bin/env bash
# ImageFinder, end to end on this machine:
#   1. installs what is missing (npm for sqlite-vec and the page's plotting library; python3-onnx for the model converter)
#   2. uses models/resnet50.onnx, fetching it when absent; when it cannot be fetched (offline), says so
#      and carries on with the bundled tiny TEST model (labelled "NOT ResNet-50" everywhere)
#   3. builds, ingests the bundled sample folder (samples/images) into a SQLite file under data/
#   4. serves the API and Swagger UI on http://localhost:${PORT:-5080}
# Environment: PORT (default 5080), IMAGES (folder to ingest, default samples/images), DATA (default data/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(pwd)"
port="${PORT:-5080}"
images="${IMAGES:-$root/samples/images}"
data="${DATA:-$root/data}"

say() { printf '\n== %s\n' "$*"; }

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
apt_install() {
  if can_apt; then
    [ -n "${apt_updated:-}" ] || { apt-get update -qq; apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    return 1
  fi
}

say "checking tools"
if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "The .NET 10 SDK is needed: https://dotnet.microsoft.com/download (or the dotnet-sdk-10.0 package of your distribution)." >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  apt_install npm || { echo "npm is needed to fetch sqlite-vec (no NuGet package ships it): install Node.js 20+ (apt-get install npm)." >&2; exit 1; }
fi

say "packages: sqlite-vec 0.1.9 from npm; ONNX Runtime 1.30.0, NetVips (libvips 8.18.7), Microsoft.Data.Sqlite from NuGet"
native/install.sh
dotnet restore ImageFinder.sln --locked-mode -nologo -v quiet

say "model"
model="$root/models/resnet50.onnx"
if [ ! -f "$model" ] || [ ! -f "$root/models/resnet50.json" ]; then
  python=/usr/bin/python3
  [ -x "$python" ] || python="$(command -v python3 || true)"
  if [ -n "$python" ] && ! "$python" -c 'import onnx' 2>/dev/null; then
    apt_install python3-onnx python3-numpy || true
  fi
  if [ -n "$python" ] && "$python" models/fetch_resnet50.py; then
    echo "ResNet-50 ready: $model"
  else
    cat <<'MSG'

  ResNet-50 could not be fetched (no internet access to its source on Hugging Face, or the onnx Python
  package is missing; the message above says which). The demo carries on with the bundled TINY TEST MODEL
  (models/tiny-test.onnx: a few random convolutions with ResNet-50's input/output contract). Everything
  works end to end, but similarities are not meaningful: every response, /health and the logs name the model
  "tiny-test-cnn (NOT ResNet-50)". To use the real model, either run `python3 models/fetch_resnet50.py` on a
  connected machine (or with --from FILE, a copy of resnet50-v1-7.onnx downloaded elsewhere; it is
  hash-checked), or export torchvision's ResNet-50 on a machine with torch with
  `python3 models/export_torchvision.py --arch resnet50`; then start this script again.

MSG
    model="$root/models/tiny-test.onnx"
  fi
fi
model_id="$(basename "$model" .onnx)"
database="$data/$model_id.db"

say "building"
dotnet build ImageFinder.sln -c Release --no-restore -nologo -v quiet -clp:ErrorsOnly

if [ "${ImageFinder__Store:-sqlite}" = garnet ]; then
  say "ingesting $images into the Garnet cluster at ${ImageFinder__Garnet__Endpoints:-?} (prefix ${ImageFinder__Garnet__Prefix:-imagefinder})"
else
  say "ingesting $images into $database"
fi
dotnet src/ImageFinder.Cli/bin/Release/net10.0/linux-x64/ImageFinder.Cli.dll ingest --folder "$images" --db "$database" --model "$model"

say "serving on http://localhost:$port (web page: http://localhost:$port/, Swagger UI: http://localhost:$port/swagger); Ctrl-C stops"
cat <<EOT
  try:  curl -s -F file=@samples/images/waves/waves-01.png http://localhost:$port/search
EOT
export ImageFinder__Database="$database" ImageFinder__ModelPath="$model"
cd src/ImageFinder.Api/bin/Release/net10.0/linux-x64
exec dotnet ImageFinder.Api.dll --urls "http://0.0.0.0:$port"
