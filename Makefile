# The two README commands, and the everyday ones.
.PHONY: run test lint bench bench-quick

run:            ## set up, migrate, load the demo, serve on 127.0.0.1:8000
	bash scripts/run.sh

test:           ## set up, lint (ruff, mypy), run the whole suite (SQLite + PostgreSQL) with its coverage floor
	bash scripts/test.sh

lint:           ## ruff and mypy, as in make test
	.venv/bin/ruff check .
	.venv/bin/mypy

bench:          ## every benchmark, figures printed as JSON and saved under bench/results/
	bash scripts/setup.sh test
	.venv/bin/python -m bench

bench-quick:    ## the same at a smaller scale (minutes, not tens of minutes)
	.venv/bin/python -m bench --quick
