#!/usr/bin/env bash
# Installs what the benchmark harness needs from Debian (12, bookworm), exactly these packages, with apt-get.
# Safe to run repeatedly: packages already installed are not touched (no apt-get update when nothing is missing).
#
#   python3-onnx python3-numpy        bench/make_resnet50_random.py (the benchmark model) and the ONNX exports
#   python3-torch python3-torchvision models/export_torchvision.py (the models section) and the peers section's
#                                     seed stack (torch 1.13.1, torchvision 0.14.1)
#   python3-pil                       the seed's image decoding (PIL 9.4)
#   python3-fastapi python3-uvicorn   the seed's API (FastAPI 0.92, uvicorn 0.17)
#   python3-multipart                 FastAPI's multipart form parsing (UploadFile)
#
# Everything runs with /usr/bin/python3 (Debian's Python 3.11, whose sqlite3 module can load extensions: the seed
# loads sqlite-vec's vec0.so from native/node_modules, which native/install.sh installs from npm). Needs root.
set -euo pipefail

packages=(
  python3-onnx
  python3-numpy
  python3-torch
  python3-torchvision
  python3-pil
  python3-fastapi
  python3-uvicorn
  python3-multipart
)

missing=()
for package in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "bench setup: Debian packages already installed (${packages[*]})"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "bench setup: apt-get not found: install ${missing[*]} (Debian 12 package names) by other means" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "bench setup: missing ${missing[*]}; run this as root (sudo $0)" >&2
  exit 1
fi

echo "bench setup: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bench setup: ok"
