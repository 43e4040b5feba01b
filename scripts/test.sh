#!/usr/bin/env bash
# Set up (system packages, venv, dev extras), lint (ruff, mypy), then the whole test suite with its
# coverage floor ([tool.coverage] in pyproject.toml).
# The suite runs every database test on SQLite, and on PostgreSQL when LOAXA_TEST_DATABASE_URL is set
# or a server answers on 127.0.0.1:5432. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/python -m pytest -q -p no:cacheprovider --cov --cov-report=term:skip-covered --cov-fail-under=92 "$@"
