#!/usr/bin/env bash
# Build llama.cpp's own `llama-server` (Studio's embedded text engine) from the llama.cpp sources that
# llama-cpp-python's sdist carries: the same llama.cpp version as the Python binding in requirements.txt.
# Built once per version and flags, kept outside the clone beside the llama-cpp-python wheel:
#   ~/.cache/studio/llama-server/<version>-<flags hash>/llama-server
# CPU build with the wheel's own CPU flags (GGML_NATIVE: what this CPU has) and without OpenMP (see
# setup.sh), no curl/OpenSSL and no web UI download (Studio runs without network). With a CUDA toolkit
# and an NVIDIA GPU present, GGML_CUDA is added. Prints the binary's path on stdout when done.
# When the installed llama-cpp-python wheel is that version, its own compiled libllama/ggml/mtmd (the
# same sources, compiled with the same flags) are reused: only the server and llama.cpp's common code are
# compiled (a third of the work; the server's HTTP code at -O1, as the model's arithmetic is the wheel's),
# and the libraries are copied beside the program (RPATH $ORIGIN). Otherwise everything is compiled.
#   bash scripts/build_llama_server.sh [python] [--where]     (--where: print where it goes, build nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
VPY=${1:-.venv/bin/python}
VERSION=$(sed -n 's/^llama-cpp-python==//p' requirements.txt)
ARGS="-DGGML_OPENMP=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON"
ARGS="$ARGS -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF"
ARGS="$ARGS -DBUILD_SHARED_LIBS=OFF -DCMAKE_BUILD_TYPE=Release"
if command -v nvcc >/dev/null && command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
  ARGS="$ARGS -DGGML_CUDA=on"
fi
ARGS="$ARGS ${CMAKE_ARGS:-}"
WHEEL_LIB=$("$VPY" -c "import importlib.metadata as m, pathlib, llama_cpp; assert m.version('llama-cpp-python') == '$VERSION'; print(pathlib.Path(llama_cpp.__file__).parent / 'lib')" 2>/dev/null || true)
if [ -n "$WHEEL_LIB" ] && [ -f "$WHEEL_LIB/libllama.so" ] && [ -f "$WHEEL_LIB/libmtmd.so" ]; then
  ARGS="${ARGS/-DBUILD_SHARED_LIBS=OFF/-DBUILD_SHARED_LIBS=ON} -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON"
  ARGS="$ARGS -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS_RELEASE=-O1 -DCMAKE_CXX_FLAGS=-DNDEBUG wheel:$(cat "$WHEEL_LIB"/libllama.so | sha256sum | cut -c1-12)"
else
  WHEEL_LIB=""
fi
DEST="${XDG_CACHE_HOME:-$HOME/.cache}/studio/llama-server/$VERSION-$(echo "$ARGS" | sha256sum | cut -c1-12)"
if [ -x "$DEST/llama-server" ] || [ "${2:-}" = "--where" ]; then echo "$DEST/llama-server"; exit 0; fi
for tool in c++ cmake; do command -v $tool >/dev/null || { echo "llama-server needs $tool" >&2; exit 1; }; done
echo "Compiling llama-server (llama.cpp $VERSION's own server, Studio's text engine): about 10 minutes, once." >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$VPY" -m pip download -q --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$tmp" >&2
tar -xzf "$tmp"/llama_cpp_python-*.tar.gz -C "$tmp"
SRC=$(ls -d "$tmp"/llama_cpp_python-*/vendor/llama.cpp)
JOBS="${STUDIO_BUILD_JOBS:-2}"
# shellcheck disable=SC2086
cmake -S "$SRC" -B "$tmp/build" ${ARGS% wheel:*} -DCMAKE_INSTALL_RPATH='$ORIGIN' >"$tmp/cmake.log" 2>&1 \
  || { cat "$tmp/cmake.log" >&2; exit 1; }
if [ -n "$WHEEL_LIB" ]; then
  mkdir -p "$tmp/build/bin" && cp -a "$WHEEL_LIB"/*.so* "$tmp/build/bin/" && touch "$tmp/build/bin/"*
  for target in vendor-hash cpp-httplib llama-common-base llama-common llama-ui-assets llama-ui server-context \
                llama-server-impl llama-server; do  # /fast: without building the wheel's libraries again
    make -C "$tmp/build" -j "$JOBS" "$target/fast" >>"$tmp/build.log" 2>&1 || { tail -40 "$tmp/build.log" >&2; exit 1; }
  done
else
  cmake --build "$tmp/build" --target llama-server -j "$JOBS" >"$tmp/build.log" 2>&1 \
    || { tail -40 "$tmp/build.log" >&2; exit 1; }
fi
mkdir -p "$DEST.tmp" && cp -a "$tmp/build/bin/llama-server" "$tmp/build/bin/"*.so* "$DEST.tmp/" 2>/dev/null || true
"$DEST.tmp/llama-server" --version >/dev/null 2>&1 || { echo "the built llama-server does not run" >&2; exit 1; }
rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
echo "$DEST/llama-server"
