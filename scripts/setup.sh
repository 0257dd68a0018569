#!/usr/bin/env bash
# Set up Studio's virtual environment in .venv (idempotent; fast when nothing changed).
#   bash scripts/setup.sh          runtime only
#   bash scripts/setup.sh --dev    runtime + test tools + Chromium for the browser test
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
PY=${PYTHON:-python3}
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"

apt_install() {  # install Debian packages that are missing
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "Please install these system packages: ${missing[*]}" >&2; return 1
  fi
  echo "Installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# A Python with venv and pip (Debian splits them out of python3).
if ! "$PY" -c "import venv, ensurepip" >/dev/null 2>&1; then
  apt_install python3 python3-venv python3-pip
fi
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Studio needs Python 3.10 or newer")'

if [ "$DEV" = 1 ]; then
  # Headless Chromium for the Playwright browser test (Playwright's own browser download is not used).
  command -v chromium >/dev/null || apt_install chromium chromium-driver
  # Chinese, Japanese and Korean fonts for Chromium: without them the Chinese screens show boxes.
  apt_install fonts-noto-cjk || true  # elsewhere (macOS) the system's own CJK fonts serve
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
VPY=.venv/bin/python

# llama-cpp-python (the language-model engine) is built from source: it needs a C++ compiler and cmake.
# It is built without OpenMP (GGML_OPENMP=OFF), so that llama.cpp's threads wait for each other with ggml's
# own thread pool. With OpenMP they shared libgomp with torch: once torch had computed anything in a thread
# that stays alive (a picture, a voice, a web-server worker), libgomp counted more threads than cores and
# made llama.cpp's threads sleep between steps, and writing ran 2.6x slower (31 against 80 tokens/s); with
# one busy program beside it, 2.8 against 7.7 tokens/s. Quiet and alone, both builds write 80 tokens/s.
# The wheel is built once per version and CMAKE_ARGS (pip's own cache would not tell builds apart) and kept.
stamp=".venv/.installed-$(cat requirements.txt pyproject.toml scripts/setup.sh $([ "$DEV" = 1 ] && echo requirements-dev.txt) | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "Setting Studio up (first run, or its requirements changed): installing its Python packages into .venv," \
       "a few minutes..." >&2
  "$VPY" -m pip install -q --upgrade pip
  LLAMA_VERSION=$(sed -n 's/^llama-cpp-python==//p' requirements.txt)
  LLAMA_ARGS="-DGGML_OPENMP=OFF ${CMAKE_ARGS:-}"
  LLAMA_WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/studio/wheels/llama-cpp-python-$LLAMA_VERSION-$(echo "$LLAMA_ARGS" | sha256sum | cut -c1-12)"
  if ! ls "$LLAMA_WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    if ! command -v c++ >/dev/null || ! command -v cmake >/dev/null; then
      apt_install build-essential cmake
    fi
    echo "Compiling llama-cpp-python (the language-model engine) from source: about 5-10 minutes, once."
    rm -rf "$LLAMA_WHEELS.tmp"
    CMAKE_ARGS="$LLAMA_ARGS" "$VPY" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
      -w "$LLAMA_WHEELS.tmp" "llama-cpp-python==$LLAMA_VERSION"
    mkdir -p "$(dirname "$LLAMA_WHEELS")" && mv "$LLAMA_WHEELS.tmp" "$LLAMA_WHEELS"
  fi
  "$VPY" -m pip install -q --no-deps --force-reinstall "$LLAMA_WHEELS"/llama_cpp_python-*.whl
  "$VPY" -m pip install -q -r requirements.txt
  # Weight-carrying wheels: --no-deps, since their own dependencies (llama-cpp, wandb) are not needed.
  "$VPY" -m pip install -q --no-deps -r requirements-models.txt
  # Studio itself, editable: `import studio` works from scripts, bench/ and tests with no path tricks.
  "$VPY" -m pip install -q --no-deps -e .
  [ "$DEV" = 1 ] && "$VPY" -m pip install -q -r requirements-dev.txt
  touch "$stamp"
fi

# llama.cpp's own llama-server (issue #25): Studio's text engine for GGUF models (--text-backend auto or
# llama-server), built once from the same llama.cpp sources as the wheel and kept beside it
# (~/.cache/studio/llama-server/; nothing to do when it is there). Not built when another engine was chosen
# (STUDIO_TEXT_BACKEND=llama.cpp|transformers|openai, or ./run.sh --text-backend ...), except for the tests.
case "${STUDIO_TEXT_BACKEND:-auto}" in auto|llama-server) WANT_SERVER=1 ;; *) WANT_SERVER=0 ;; esac
if [ "$DEV" = 1 ] || [ "$WANT_SERVER" = 1 ]; then
  if [ ! -x "$(bash scripts/build_llama_server.sh "$VPY" --where)" ]; then
    command -v c++ >/dev/null && command -v cmake >/dev/null && command -v make >/dev/null \
      || apt_install build-essential cmake || true  # the build below says what is missing
  fi
  if ! bash scripts/build_llama_server.sh "$VPY" >/dev/null; then
    echo "setup: llama-server could not be built (why is said above; scripts/build_llama_server.sh builds it)." >&2
    if [ "$DEV" = 1 ]; then
      echo "setup: its tests (tests/test_llama_server.py) need it. Fix the build and run ./test.sh again, or run the" >&2
      echo "setup: tests without it: .venv/bin/python -m pytest (they are then skipped, saying why)." >&2
      exit 1
    fi
    echo "setup: until it is built, --text-backend auto writes with llama.cpp in Studio's own process." >&2
  fi
fi

# The voice test's public-domain text: Lewis Carroll's "Alice's Adventures in Wonderland" (alice29.txt of the
# Canterbury corpus), from the test data of the brotli source package on PyPI; kept in .venv/share.
TEXT=.venv/share/studio-test-texts/alice29.txt
if [ "$DEV" = 1 ] && [ ! -f "$TEXT" ]; then
  tmp=$(mktemp -d)
  "$VPY" -m pip download -q --no-deps --no-binary :all: brotli==1.2.1 -d "$tmp"
  tar -xzf "$tmp/brotli-1.2.1.tar.gz" -C "$tmp" brotli-1.2.1/tests/testdata/alice29.txt
  echo "7467306ee0feed4971260f3c87421154a05be571d944e9cb021a5713700c38f0  $tmp/brotli-1.2.1/tests/testdata/alice29.txt" \
    | sha256sum -c --quiet
  mkdir -p "$(dirname "$TEXT")" && mv "$tmp/brotli-1.2.1/tests/testdata/alice29.txt" "$TEXT"
  rm -rf "$tmp"
fi
