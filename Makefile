PYTHON ?= python3

.PHONY: install test mutate demo bench golden docs

install:
	$(PYTHON) -m pip install -e '.[test]'

test:
	$(PYTHON) -m pytest

# Mutation testing of the core modules (Cosmic Ray, one mutant at a time; docs/mutation.md).
# MODULES="engine op" limits the run; the report alone: $(PYTHON) scripts/mutate.py --report
mutate:
	$(PYTHON) -m pip install --quiet -e '.[mutate]'
	$(PYTHON) scripts/mutate.py $(MODULES)

demo:
	PYTHONPATH=src $(PYTHON) examples/walkthrough.py

bench:
	PYTHONPATH=src $(PYTHON) benchmarks/bench_overhead.py
	PYTHONPATH=src $(PYTHON) benchmarks/bench_training.py
	PYTHONPATH=src $(PYTHON) benchmarks/bench_compile.py
	OPENBLAS_NUM_THREADS=1 PYTHONPATH=src $(PYTHON) benchmarks/bench_random.py
	PYTHONPATH=src $(PYTHON) benchmarks/bench_serialization.py --big-mb 256

golden:
	$(PYTHON) ../shared/golden/run_golden.py --path src

docs:
	PYTHONPATH=src $(PYTHON) docs/gen_pictures.py
	PYTHONPATH=src $(PYTHON) scripts/rule_index.py
	$(PYTHON) -m mkdocs build --strict --site-dir site
