# Two commands on a fresh machine: `make run` and `make test`. Both install into .venv first;
# installing is skipped when nothing it depends on changed.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# llama.cpp must be built portably: a native build crashes (SIGSEGV in the AMX kernels) on some
# CPUs, and pip's wheel cache would hand back such a build whatever CMAKE_ARGS says. So the wheel is
# built here, without pip's cache, into a folder named after the flags, and installed from there.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF
LLAMA_WHEELS := $(HOME)/.cache/askdocs/wheels/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(shell echo '$(LLAMA_CMAKE_ARGS)' | sha1sum | cut -c1-10)

# Keep thread pools from spinning when the other core is busy (llama.cpp's OpenMP, torch).
export OMP_WAIT_POLICY := PASSIVE

.PHONY: install run test gate bench train train-technical lock clean-index help

help:
	@echo "make run    install, ingest corpus/, start the web chat and API on http://127.0.0.1:7860"
	@echo "make test   install, run the whole test suite"
	@echo "make bench  install, run the benchmarks (docs/benchmarks.md, docs/performance.md)"
	@echo "make train  install, retrain the answer scorers on SQuAD development articles (assistant/weights/)"
	@echo "            and the technical reading of the refusal checks on README questions (train-technical)"
	@echo "make lock   pin the releases installed in .venv into constraints.txt (after a deliberate upgrade)"

# OCR of scanned PDFs runs Debian's Tesseract (pytesseract only drives it).
install: $(STAMP)
	test -x /usr/bin/tesseract || (apt-get update && apt-get install -y tesseract-ocr tesseract-ocr-eng)

$(STAMP): pyproject.toml constraints.txt Makefile index/onnx.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	# The CPU build of PyTorch; a user elsewhere installs the CPU build from PyTorch's own index.
	$(BIN)/pip install --quiet torch==2.13.0
	test -n "$$(ls $(LLAMA_WHEELS)/*.whl 2>/dev/null)" || \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 \
	  $(BIN)/pip wheel --no-deps --no-binary llama-cpp-python --no-cache-dir \
	    -w $(LLAMA_WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION)
	$(BIN)/pip install --quiet --force-reinstall --no-deps $(LLAMA_WHEELS)/*.whl
	# constraints.txt holds every other package at the release it was measured and trained with
	# (`make lock` writes it), so a fresh machine gets the same answers and `make train` the same models.
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev,bench]'
	# The ONNX exports of the packaged embedding model (embed_backend onnx, onnx-int8), built from the
	# installed model files: nothing is downloaded.
	$(BIN)/python -m index.onnx > /dev/null
	$(BIN)/python -c "import llama_cpp, sys; info = llama_cpp.llama_print_system_info().decode(); \
	  sys.exit('llama-cpp-python is a native build (' + info + '): remove .venv and run make again') \
	  if 'AMX' in info or 'AVX512' in info else None"
	touch $(STAMP)

run: install
	$(BIN)/askdocs ingest corpus/
	$(BIN)/askdocs serve

test: install gate
	# The browser tests drive Debian's chromium (Playwright never downloads a browser here).
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	$(BIN)/python -m pytest

# Answer quality as a gate: the sample corpus's two test sets must stay above these floors (dev.jsonl
# is development data; heldout.jsonl was written after every model and threshold was fixed), and so must
# a fixed slice of held-out SQuAD v2.0 articles (evaluation/splits.py), answerable and unanswerable
# questions that no weight or threshold was chosen on, and the held-out articles' questions whose
# answer was cut from them (--withhold 0), which must be declined.
GATE_DIR ?= .askdocs-gate
GATE_SQUAD := ../shared/datasets/squad/dev-v2.0-public.json
GATE_SQUAD11 := ../shared/datasets/squad/dev-v1.1-public.json
gate: install
	rm -rf $(GATE_DIR)
	ASKDOCS_DATA_DIR=$(GATE_DIR) $(BIN)/askdocs ingest corpus/ > /dev/null
	ASKDOCS_DATA_DIR=$(GATE_DIR) $(BIN)/askdocs eval corpus/testsets/dev.jsonl --out $(GATE_DIR)/run \
	  --fail-under contains_answer=0.9 --fail-under cited_answer=0.9 \
	  --fail-under citation_precision=0.95 --fail-under refusal_precision=1.0 --fail-under refusal_recall=0.6
	ASKDOCS_DATA_DIR=$(GATE_DIR) $(BIN)/askdocs eval corpus/testsets/heldout.jsonl --out $(GATE_DIR)/heldout \
	  --fail-under contains_answer=0.8 --fail-under cited_answer=0.9 \
	  --fail-under citation_precision=0.95 --fail-under refusal_precision=0.85 --fail-under refusal_recall=0.4
	@test -f $(GATE_SQUAD) || { echo "held-out gate skipped: $(GATE_SQUAD) not found"; exit 0; }; \
	$(BIN)/askdocs testset import-squad $(GATE_SQUAD) --part heldout --sample 200 --out $(GATE_DIR)/squad > /dev/null && \
	ASKDOCS_DATA_DIR=$(GATE_DIR)/squad/data $(BIN)/askdocs ingest $(GATE_DIR)/squad/corpus > /dev/null && \
	ASKDOCS_DATA_DIR=$(GATE_DIR)/squad/data $(BIN)/askdocs eval $(GATE_DIR)/squad/testset.jsonl --out $(GATE_DIR)/squad/run \
	  --fail-under contains_answer=0.88 --fail-under cited_answer=0.95 --fail-under span_exact_match=0.35 \
	  --fail-under span_f1=0.45 --fail-under citation_precision=0.97 --fail-under refusal_recall=0.19 \
	  --fail-under refusal_precision=0.95 && \
	$(BIN)/askdocs testset import-squad $(GATE_SQUAD11) --part heldout --withhold 0 --out $(GATE_DIR)/withheld > /dev/null && \
	ASKDOCS_DATA_DIR=$(GATE_DIR)/withheld/data $(BIN)/askdocs ingest $(GATE_DIR)/withheld/corpus > /dev/null && \
	ASKDOCS_DATA_DIR=$(GATE_DIR)/withheld/data $(BIN)/askdocs eval $(GATE_DIR)/withheld/testset.jsonl \
	  --out $(GATE_DIR)/withheld/run --fail-under refusal_recall=0.17

# Benchmarks on the public datasets in ../shared/datasets and on installed packages' READMEs (see docs/benchmarks.md).
bench: install
	$(BIN)/python -m benchmarks.scifact
	$(BIN)/python -m benchmarks.squad
	$(BIN)/python -m benchmarks.squad_answers
	$(BIN)/python -m benchmarks.squad_answers --version 2.0
	$(BIN)/python -m benchmarks.package_docs
	# Speed, scale and memory (docs/performance.md); about an hour on 2 cores.
	$(BIN)/python -m benchmarks.performance
	# What a new user waits for on the sample corpus (the README's figures).
	$(BIN)/python -m benchmarks.waiting

# The learned scorers of the extractive answerer, from the development part of ../shared/datasets.
train: install
	$(BIN)/python -m evaluation.train
	$(BIN)/python -m evaluation.train_technical

# The technical reading of the refusal checks alone (its inputs are the models above): about 2 minutes.
train-technical: install
	$(BIN)/python -m evaluation.train_technical

# Pin what is installed now, after upgrading a dependency on purpose (then `make test`, `make train`
# and `make bench` again). PyTorch and llama-cpp-python are pinned above and built or chosen here.
lock:
	$(BIN)/pip freeze --exclude-editable | grep -v -E '^(torch|llama[-_]cpp[-_]python)\b' > constraints.txt

clean-index:
	rm -rf .askdocs
