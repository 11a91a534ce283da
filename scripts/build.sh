#!/usr/bin/env bash
# Build the npm package in pkg/ and the self-contained static site in www/.
#
#   pkg/              ES module for browsers, Web Workers and Node (pkg/receval.js, auto-initializing),
#                     CommonJS build for require() in pkg/node/, TypeScript types, package.json merged
#                     from pkg-config/ (see pkg-config/merge.mjs)
#   pkg/estimators/   the same for the estimators alone (`receval/estimators`: the crate built
#                     without its default feature "course")
#   www/pkg/          a copy of pkg/ for the course site
#   www/vendor/       the site's chart, math and file-reading libraries, from node_modules (no CDN at run time)
#
# Skips the Wasm build when no input changed since the last one.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The release build has a target directory of its own, so that the test command can build the
# package while cargo test and wasm-pack test compile and run (cargo locks a target directory).
export CARGO_TARGET_DIR="$ROOT/target/pkg-build"

# One build at a time: two concurrent builds would interleave wasm-pack's output with the merge
# step that renames it.
exec 9>"$ROOT/target/.build.lock" 2>/dev/null || { mkdir -p "$ROOT/target" && exec 9>"$ROOT/target/.build.lock"; }
flock 9

stamp=pkg/.build-stamp
inputs=$(find src Cargo.toml Cargo.lock pkg-config -type f -newer "$stamp" 2>/dev/null | head -1 || true)
if [[ -f "$stamp" && -z "$inputs" ]]; then
  echo "    pkg/ is up to date"
else
  echo "==> Building the Wasm package (release, wasm-opt)"
  tmp=$(mktemp -d)
  wasm-pack --log-level warn build --target web --release --out-dir pkg --out-name receval
  # The CommonJS build's Wasm is the same module (wasm-bindgen writes the same bytes for both
  # targets): only its glue is generated, and the optimized module copied, instead of a second
  # wasm-opt run (~35 s of a core).
  wasm-bindgen --target nodejs --out-dir "$tmp/node" --out-name receval "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/receval.wasm"
  cp pkg/receval_bg.wasm "$tmp/node/receval_bg.wasm"
  rm -rf pkg/node && mv "$tmp/node" pkg/node && rm -rf "$tmp"
  node pkg-config/merge.mjs

  # The estimators package (issue 16): the crate without its course (--no-default-features: no
  # world, lab or lessons), for practitioners' own logs and the workbench page; a third of the
  # course module. Its own target directory, so that the two builds do not invalidate each other.
  echo "==> Building the estimators package pkg/estimators/ (--no-default-features, wasm-opt)"
  est_target="$ROOT/target/pkg-estimators"
  CARGO_TARGET_DIR="$est_target" cargo build --quiet --release --lib --target wasm32-unknown-unknown --no-default-features
  est=$(mktemp -d)
  wasm-bindgen --target web --out-dir "$est" --out-name receval "$est_target/wasm32-unknown-unknown/release/receval.wasm"
  # the same wasm-opt flags as wasm-pack's (Cargo.toml, [package.metadata.wasm-pack.profile.release])
  read -ra opt_flags < <(sed -n 's/^wasm-opt = \[\(.*\)\]$/\1/p' Cargo.toml | tr -d '",')
  [[ ${#opt_flags[@]} -gt 0 ]] || { echo "no wasm-opt flags found in Cargo.toml" >&2; exit 1; }
  wasm-opt "${opt_flags[@]}" "$est/receval_bg.wasm" -o "$est/receval_bg.wasm"
  wasm-bindgen --target nodejs --out-dir "$est/node" --out-name receval "$est_target/wasm32-unknown-unknown/release/receval.wasm"
  cp "$est/receval_bg.wasm" "$est/node/receval_bg.wasm"
  rm -rf pkg/estimators && mv "$est" pkg/estimators && chmod 755 pkg/estimators
  node pkg-config/merge.mjs estimators
  touch "$stamp"
fi

echo "==> Assembling the site in www/ (pkg + vendored libraries)"
rm -rf www/pkg && mkdir -p www/pkg www/vendor
cp pkg/receval.js pkg/receval_glue.js pkg/receval_bg.wasm pkg/receval.d.ts pkg/receval_glue.d.ts www/pkg/
mkdir -p www/pkg/estimators
cp pkg/estimators/receval.js pkg/estimators/receval_glue.js pkg/estimators/receval_bg.wasm www/pkg/estimators/
# the charts: the Plot functions (and d3 parts) the course calls, in one script (scripts/vendor-charts.mjs)
rm -f www/vendor/d3.min.js www/vendor/plot.umd.min.js
node scripts/vendor-charts.mjs
cp node_modules/temml/dist/temml.min.js node_modules/temml/dist/Temml-Local.css node_modules/temml/dist/Temml.woff2 www/vendor/
# The workbench's file readers: hyparquet is ES modules already; papaparse is UMD, wrapped as a module
# so that the workbench's module worker can import it.
rm -rf www/vendor/hyparquet && cp -r node_modules/hyparquet/src www/vendor/hyparquet && cp node_modules/hyparquet/LICENSE www/vendor/hyparquet/
{ echo '// papaparse (MIT), wrapped as an ES module by scripts/build.sh'; echo 'const module = { exports: {} }; const exports = module.exports;'
  cat node_modules/papaparse/papaparse.min.js; echo; echo 'export default module.exports;'; } > www/vendor/papaparse.mjs
raw=$(stat -c %s pkg/receval_bg.wasm)
gz=$(gzip -9 -c pkg/receval_bg.wasm | wc -c)
echo "    receval_bg.wasm: $raw bytes raw, $gz bytes gzip"
raw=$(stat -c %s pkg/estimators/receval_bg.wasm)
gz=$(gzip -9 -c pkg/estimators/receval_bg.wasm | wc -c)
echo "    estimators/receval_bg.wasm: $raw bytes raw, $gz bytes gzip"
