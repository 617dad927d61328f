# Sourced by scripts/demo, scripts/test and scripts/bench: installs what hedgefi needs, idempotently.
#   .venv          the Python package with its dev and charts extras (re-installed when pyproject.toml changes)
#   node_modules   anvil, cast and solcjs pinned by package-lock.json (npm ci when the lock changes)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "hedgefi: creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=".venv/.hedgefi-installed"
want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "hedgefi: installing the package into .venv" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,charts]"
  echo "$want" > "$stamp"
fi

nstamp="node_modules/.hedgefi-installed"
nwant="$(cat package-lock.json | sha256sum | cut -c1-16)"
if [ ! -f "$nstamp" ] || [ "$(cat "$nstamp")" != "$nwant" ]; then
  echo "hedgefi: installing anvil, cast and solc (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$nwant" > "$nstamp"
fi

export PATH="$ROOT/.venv/bin:$PATH"
