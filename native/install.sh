#!/usr/bin/env bash
# Installs what NuGet does not serve, from npm into native/node_modules, exactly as locked in
# native/package-lock.json (integrity hashes checked by npm): sqlite-vec 0.1.9's loadable extension (vec0.so;
# no NuGet package ships it), the web page's plotting library (plotly.js-strict-dist-min 4.1.1), which the
# API's build copies into its wwwroot/vendor, and Redocly's OpenAPI linter (@redocly/cli 2.77.0, one bundled
# file; needs none of its install scripts), which the tests run on the API's document. Install scripts are never run. ONNX Runtime, libvips and SQLite
# come from NuGet (Directory.Packages.props). Safe to run repeatedly; a no-op when already installed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

libs=(
  "node_modules/sqlite-vec-linux-x64/vec0.so"
  "node_modules/plotly.js-strict-dist-min/plotly-strict.min.js"
  "node_modules/@redocly/cli/bin/cli.js"
)

all_present() {
  for lib in "${libs[@]}"; do [ -f "$lib" ] || return 1; done
}

if all_present && [ "${1:-}" != "--force" ]; then
  echo "native: libraries already installed in $here/node_modules"
  exit 0
fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "native: only linux-x64 is supported (this is $(uname -s)-$(uname -m))" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "native: npm is needed to fetch the pinned native packages (apt-get install -y npm, or install Node.js 20+)" >&2
  exit 1
fi

echo "native: installing pinned packages from package-lock.json (npm ci --ignore-scripts)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

if ! all_present; then
  echo "native: npm finished but a library is missing:" >&2
  for lib in "${libs[@]}"; do [ -f "$lib" ] || echo "  $lib" >&2; done
  exit 1
fi
echo "native: ok"
