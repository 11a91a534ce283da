#!/usr/bin/env bash
# Measure receval_bg.wasm for opt-level s, z and 3 (each with LTO, codegen-units=1, and wasm-opt at
# the matching -O level), raw and gzip. Prints a table; changes nothing in the repository.
#   scripts/size-report.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
WB=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
tmp=$(mktemp -d)
printf '%-10s %-9s %12s %12s\n' opt-level wasm-opt raw gzip
for level in s z 3; do
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$level cargo build --quiet --release --lib --target wasm32-unknown-unknown --target-dir "$tmp/target-$level"
  wasm-bindgen --target web --out-dir "$tmp/out-$level" "$tmp/target-$level/wasm32-unknown-unknown/release/receval.wasm"
  f="$tmp/out-$level/receval_bg.wasm"
  printf '%-10s %-9s %12d %12d\n' "$level" none "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)"
  for o in Os Oz O3; do
    wasm-opt "-$o" --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals "$f" -o "$tmp/opt.wasm"
    printf '%-10s %-9s %12d %12d\n' "$level" "-$o" "$(stat -c %s "$tmp/opt.wasm")" "$(gzip -9 -c "$tmp/opt.wasm" | wc -c)"
  done
done
rm -rf "$tmp"
echo "(wasm-bindgen $WB; the package uses the profile in Cargo.toml and wasm-opt flags in [package.metadata.wasm-pack])"
