PYTHON ?= python3

.PHONY: install test test-gpu lint typecheck mutate demo bench docs

install:
	$(PYTHON) -m pip install -e '.[test]'

# -n auto: one pytest-xdist worker per core.
test:
	$(PYTHON) -m pytest -n auto

lint:
	$(PYTHON) -m ruff check src tests benchmarks examples scripts docs

# mypy over the examples with chainrule's stubs (configured in pyproject.toml; tests/test_typing.py runs it too).
typecheck:
	$(PYTHON) -m mypy

test-gpu:  # on a machine with an NVIDIA GPU: pip install -e '.[test,cuda12]' (or cuda13), and PyTorch with CUDA
	$(PYTHON) -c "import sys; sys.path.insert(0, 'src'); import chainrule; sys.exit(0 if chainrule.cuda.is_available() else 'make test-gpu needs an NVIDIA GPU and CuPy')"
	$(PYTHON) -m pytest -m gpu -p no:warnings tests
	PYTHONPATH=src $(PYTHON) benchmarks/bench_gpu.py

# Mutation testing of the core modules (Cosmic Ray's mutants, one per core at a time; docs/mutation.md).
# A fixed sample of 150 mutants per module, under an hour on two cores; SAMPLE= runs every mutant (hours).
# MODULES="engine op" limits the run; the report alone: $(PYTHON) scripts/mutate.py --report
SAMPLE ?= 150
mutate:
	$(PYTHON) -m pip install --quiet -e '.[test,mutate]'
	$(PYTHON) scripts/mutate.py $(if $(SAMPLE),--sample $(SAMPLE)) $(MODULES)

demo:
	PYTHONPATH=src $(PYTHON) examples/walkthrough.py

bench:
	PYTHONPATH=src $(PYTHON) benchmarks/bench_overhead.py
	PYTHONPATH=src $(PYTHON) benchmarks/bench_training.py
	PYTHONPATH=src $(PYTHON) benchmarks/bench_compile.py
	OPENBLAS_NUM_THREADS=1 PYTHONPATH=src $(PYTHON) benchmarks/bench_compile_model.py --no-torch-compile
	OPENBLAS_NUM_THREADS=1 PYTHONPATH=src $(PYTHON) benchmarks/bench_random.py
	OPENBLAS_NUM_THREADS=1 PYTHONPATH=src $(PYTHON) benchmarks/bench_serialization.py
	OPENBLAS_NUM_THREADS=1 PYTHONPATH=src $(PYTHON) benchmarks/bench_large.py
	OPENBLAS_NUM_THREADS=1 PYTHONPATH=src $(PYTHON) benchmarks/bench_ops.py

# Without Graphviz the pictures are not drawn (gen_pictures.py says what to install and exits with 3):
# the pages are then built without them, so their missing links are not turned into errors.
docs:
	PYTHONPATH=src $(PYTHON) scripts/rule_index.py
	PYTHONPATH=src $(PYTHON) docs/gen_pictures.py; status=$$?; \
	if [ $$status -eq 0 ]; then $(PYTHON) -m mkdocs build --strict --site-dir site; \
	elif [ $$status -eq 3 ]; then $(PYTHON) -m mkdocs build --site-dir site; \
	else exit $$status; fi
