# streamfx: the two set-up commands of the README.
#   make demo   -> set up (venv, packages, model files) and run the main job on the embedded demo
#   make test   -> set up, lint (ruff, pinned in pyproject.toml) and run the test suite
# TORCH selects the torch build: the default is the CPU build; for NVIDIA GPUs use e.g.
#   make demo TORCH="torch --index-url https://download.pytorch.org/whl/cu126"

PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.13.0
EXTRAS ?= test,onnx,eval,control,scale,train
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.streamfx-installed

.PHONY: setup models demo test lint clean

# torch is installed first (and again whenever TORCH changes), so that installing the package
# never lets pip pick a default torch build on its own.
TORCH_SYNC = if [ "$$(cat $(VENV)/.torch-spec 2>/dev/null)" != "$(TORCH)" ]; then \
	  echo "installing $(TORCH)"; $(BIN)/python -m pip install -q $(TORCH) && \
	  echo "$(TORCH)" > $(VENV)/.torch-spec; fi

setup: $(STAMP)
	@$(TORCH_SYNC)

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(TORCH_SYNC)
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	@touch $@

models: setup
	$(BIN)/streamfx weights fetch face_landmarker.task face_detection_full_range_sparse.tflite

demo: models
	$(BIN)/streamfx demo

test: models lint
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check streamfx tests run_camera.py plugins
	$(BIN)/ruff format --check streamfx tests run_camera.py plugins

clean:
	rm -rf $(VENV) out .pytest_cache
