#!/usr/bin/env bash
# Set everything up (first run only) and start Studio on the embedded default models.
# Any flag is passed on: ./run.sh --listen --auth me:secret   (see python app.py --help)
set -euo pipefail
cd "$(dirname "$0")"
# set-up builds llama.cpp's own server (once), Studio's text engine, unless --text-backend names another one
args=("$@")
for i in "${!args[@]}"; do
  case "${args[$i]}" in
    --text-backend=*) export STUDIO_TEXT_BACKEND="${args[$i]#--text-backend=}" ;;
    --text-backend) export STUDIO_TEXT_BACKEND="${args[$((i + 1))]:-}" ;;
  esac
done
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
