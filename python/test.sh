#!/usr/bin/env bash
# Build the receval-widget wheel from www/ (scripts/build.sh must have run), install it in a virtual
# environment with JupyterLab and anywidget from PyPI, then run the Python unit tests and the
# notebook test in headless Chromium. The venv (target/widget-venv) is kept, so a rerun only
# rebuilds and reinstalls the wheel. Prints "ℹ pass N" / "ℹ fail N" lines like node --test.
#
#   python/test.sh                      # all of it
#   python/test.sh --venv               # only create (or check) the venv
#   SCREENSHOT=docs/screenshots/notebook-widget.png python/test.sh   # also save the README's picture
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
VENV=${RECEVAL_WIDGET_VENV:-$ROOT/target/widget-venv}
REQ=python/tests/requirements.txt

# The venv, remade when the requirements change. `python/test.sh --venv` only prepares it (the test
# command does that in the background while the Rust tests run: it mostly waits for PyPI).
mkdir -p "$(dirname "$VENV")"
exec 8>"$VENV.lock"
flock 8
if [[ ! -x $VENV/bin/python || ! -f $VENV/.requirements || -n $(cmp -s "$REQ" "$VENV/.requirements" || echo changed) ]]; then
  echo "==> Creating $VENV with $(tr '\n' ' ' < "$REQ" | sed 's/#[^ ]* //g')"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  # the venv lives inside this repository, whose package.json says "type": "module": without this,
  # node would read JupyterLab's bundled CommonJS tools (jupyter_builder/yarn.js) as ES modules
  echo '{ "type": "commonjs" }' > "$VENV/package.json"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$VENV/.requirements"
fi
flock -u 8
[[ ${1:-} == --venv ]] && exit 0

if [[ ! -f www/pkg/receval_bg.wasm || ! -f www/vendor/charts.min.js ]]; then
  echo "python/test.sh: www/pkg or www/vendor is missing: run scripts/build.sh first" >&2
  exit 1
fi

echo "==> Building and installing the wheel"
rm -rf python/dist
"$VENV/bin/pip" wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w python/dist ./python
wheel=$(ls python/dist/receval_widget-*.whl)
echo "    $wheel: $(du -k "$wheel" | cut -f1) KB"
"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel"
extensions=$("$VENV/bin/jupyter" server extension list 2>&1 || true)
grep -Eq 'receval_widget.*enabled' <<<"$extensions" \
  || { echo "python/test.sh: the receval_widget server extension is not enabled after install" >&2; exit 1; }

echo "==> Python unit tests (python/tests/test_widget.py)"
set +e
"$VENV/bin/python" -m unittest -v python/tests/test_widget.py 2>&1 | tee /tmp/receval-widget-unittest.$$.log
rc=${PIPESTATUS[0]}
set -e
ran=$(awk '/^Ran [0-9]+ test/ {print $2}' /tmp/receval-widget-unittest.$$.log)
bad=$(awk '/^FAILED \(/ {n = split($0, a, /[^0-9]+/); for (i = 1; i <= n; i++) s += a[i]} END {print s + 0}' /tmp/receval-widget-unittest.$$.log)
rm -f /tmp/receval-widget-unittest.$$.log
echo "ℹ pass $((${ran:-0} - bad))"
echo "ℹ fail $bad"
[[ $rc -eq 0 ]] || exit 1

echo "==> Notebook test in JupyterLab + Chromium (python/tests/notebook.test.mjs)"
RECEVAL_WIDGET_VENV="$VENV" node --test --test-reporter=spec python/tests/notebook.test.mjs
echo "python/test.sh: ${SECONDS}s"
