#!/usr/bin/env bash
# Set everything up (first run only) and start Studio on the embedded default models.
# Any flag is passed on: ./run.sh --listen --auth me:secret   (see python app.py --help)
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
