#!/usr/bin/env bash
# Install whatever this project needs and is missing; skip what is already there.
#
#   scripts/bootstrap.sh          tools to build and serve the course (wasm target, wasm-pack,
#                                 wasm-bindgen-cli, npm packages incl. wasm-opt)
#   scripts/bootstrap.sh --test   the above plus Debian's Chromium + ChromeDriver for the browser tests
#
# Why not the defaults: wasm-pack downloads prebuilt wasm-bindgen, wasm-opt and chromedriver binaries from
# release pages, which this kind of machine cannot reach. So we install each from a registry that works
# (crates.io, npm, Debian) and put them on PATH, where wasm-pack finds them and downloads nothing.
# Debian's own `binaryen` package is too old for current rustc output: never install it.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

WASM_PACK_VERSION="0.15.1"
WANT_BROWSER=0
[[ "${1:-}" == "--test" ]] && WANT_BROWSER=1

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
ok() { printf '    %s\n' "$*"; }

export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "need root to run: $*" >&2; return 1
  fi
}

# 1. Rust target
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  ok "wasm32-unknown-unknown target: present"
else
  step "Adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

# 2. npm packages (wasm-opt from npm binaryen, charts, math, browser-test drivers)
stamp="node_modules/.receval-stamp"
if [[ -f "$stamp" && "$stamp" -nt package.json && ( ! -f package-lock.json || "$stamp" -nt package-lock.json ) ]]; then
  ok "npm packages: present"
else
  step "Installing npm packages (binaryen/wasm-opt, Observable Plot, d3, temml, playwright-core, axe-core)"
  if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  touch "$stamp"
fi

# 3. wasm-pack
if [[ "$(wasm-pack --version 2>/dev/null)" == "wasm-pack $WASM_PACK_VERSION" ]]; then
  ok "wasm-pack $WASM_PACK_VERSION: present"
else
  step "Building wasm-pack $WASM_PACK_VERSION from crates.io (about 3 minutes, once)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
fi

# 4. wasm-bindgen-cli, exactly the version in Cargo.lock (otherwise wasm-pack tries a download)
WB=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $WB" ]]; then
  ok "wasm-bindgen-cli $WB: present"
else
  step "Building wasm-bindgen-cli $WB from crates.io (about 4 minutes, once)"
  # --locked fails for some releases (its lockfile pins a yanked crate); fall back to a fresh resolve.
  cargo install wasm-bindgen-cli --version "$WB" --locked || cargo install wasm-bindgen-cli --version "$WB"
fi

# 5. Chromium + ChromeDriver from Debian (browser tests only)
if [[ $WANT_BROWSER == 1 ]]; then
  if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    ok "chromium + chromedriver: present"
  else
    step "Installing Debian's chromium and chromium-driver"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver
  fi
fi

if command -v wasm-opt >/dev/null && [[ "$(command -v wasm-opt)" != "$ROOT/node_modules/.bin/wasm-opt" ]]; then
  echo "warning: a wasm-opt outside node_modules is first on PATH ($(command -v wasm-opt))" >&2
fi
ok "tools ready"
