# The README's two commands: `make demo` and `make test`.  Both are idempotent.
.PHONY: setup demo test bench lint

setup:
	bash scripts/setup.sh

demo: setup
	bash scripts/demo.sh

test: setup
	.venv/bin/python -m pytest -q

lint: setup
	.venv/bin/ruff check src tests bench
	.venv/bin/mypy src

bench: setup
	bash bench/run_all.sh
