#!/usr/bin/env bash
# Set everything up (first run only), run the linter, the type checker and the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh --dev
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
.venv/bin/python -m ruff check --quiet .  # the linter (pyproject.toml [tool.ruff]) before the tests
.venv/bin/python -m mypy  # the type checker, basic mode (pyproject.toml [tool.mypy]: studio/)
exec .venv/bin/python -m pytest "$@"
