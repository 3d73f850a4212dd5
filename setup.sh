#!/usr/bin/env bash
# Sets up everything typeset needs on a Debian machine with Python 3.11, idempotently:
# the system libraries WeasyPrint loads (Pango, HarfBuzz with its subsetter, poppler-utils
# for page images), and a virtual environment in .venv with typeset installed.
#
#   ./setup.sh            set up only
#   ./setup.sh build ...  set up, then run `typeset build ...`
#   ./setup.sh test ...   set up, then run the test suite
set -euo pipefail
cd "$(dirname "$0")"

# libharfbuzz-subset0 matters: without it WeasyPrint subsets CJK fonts with fontTools and
# a 10-page report takes ~6 s instead of ~0.5 s.
SYSTEM_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 poppler-utils)

PY=${PYTHON:-python3}
# Debian's own python3 has no ensurepip (so no venv) without python3-venv.
"$PY" -c 'import ensurepip' 2>/dev/null || SYSTEM_PACKAGES+=(python3-venv)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# Reinstall only when the project's dependencies changed.
stamp=.venv/.typeset-setup
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v '^WARNING: Location' >&2 || true
  .venv/bin/python -c 'import typeset, weasyprint' || { echo "setup: installing typeset failed" >&2; exit 1; }
  echo "$want" > "$stamp"
fi

# Bytecode of typeset's own modules, as an installed package has it (pip compiles only
# site-packages): with PYTHONDONTWRITEBYTECODE set, every build would otherwise compile
# them from source (~0.15 s). Up-to-date files are skipped.
.venv/bin/python -m compileall -q src >/dev/null || true

case "${1:-}" in
  build) shift; exec .venv/bin/typeset build "$@" ;;
  test) shift; exec .venv/bin/python -m pytest -q "$@" ;;
  "") ;;
  *) echo "usage: ./setup.sh [build|test] [args...]" >&2; exit 2 ;;
esac
