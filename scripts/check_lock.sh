#!/usr/bin/env bash
# `make check-lock`: for every Python version the project supports (pyproject.toml's classifiers),
# resolve requirements/lock.txt to binary wheels only, and requirements/lock-source.txt (built from
# source) to its source archive, in a dry run (nothing is installed). Fails if any version does not.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
REQS=${REQUIREMENTS:-requirements}
VERSIONS=${VERSIONS:-$("$PY" -c '
import re, tomllib
meta = tomllib.load(open("pyproject.toml", "rb"))["project"]
print(" ".join(m.group(1) for c in meta["classifiers"] if (m := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c))))
')}
[ -n "$VERSIONS" ] || { echo "check-lock: no Python versions found in pyproject.toml's classifiers" >&2; exit 1; }
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
failed=()
for v in $VERSIONS; do
  # --ignore-installed: resolve from nothing, as on a fresh machine, not against this environment.
  if "$PY" -m pip install --dry-run --quiet --python-version "$v" --only-binary=:all: --ignore-installed \
        -r "$REQS/lock.txt" >"$log/$v.log" 2>&1 \
     && "$PY" -m pip install --dry-run --quiet --python-version "$v" --no-deps --no-binary=:all: --ignore-installed \
        -r "$REQS/lock-source.txt" >>"$log/$v.log" 2>&1; then
    echo "check-lock: Python $v: every pin resolves (binary wheels; llama-cpp-python from source)"
  else
    echo "check-lock: Python $v: does NOT resolve:" >&2
    grep -v "is ignored: it is neither" "$log/$v.log" | tail -15 >&2
    failed+=("$v")
  fi
done
if ((${#failed[@]})); then
  echo "check-lock: failed for Python ${failed[*]}" >&2
  exit 1
fi
