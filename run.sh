#!/usr/bin/env bash
# Set everything up (first run only) and start Studio on the embedded default models.
# Any flag is passed on: ./run.sh --listen --auth me:secret   (see python app.py --help)
set -euo pipefail
cd "$(dirname "$0")"
# --text-backend llama-server: set-up also builds llama.cpp's own server (once)
case " $* " in *" --text-backend llama-server "*|*" --text-backend=llama-server "*) export STUDIO_TEXT_BACKEND=llama-server ;; esac
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
