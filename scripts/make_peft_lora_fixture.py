#!/usr/bin/env python3
"""Make the PEFT LoRA fixture: a tiny Llama from transformers, a LoRA adapter from PEFT, and the
logits PyTorch computes with the adapter applied — the independent reference rlvr's adapter
loading and LoRA forward are tested against (`LoRAAdapterFilesTests`).

Writes into Tests/ModelIOTests/Fixtures/peft-lora/:
  model/config.json, model/model.safetensors   the base (random, seed 0, float32)
  adapter/adapter_config.json, adapter/adapter_model.safetensors
                                               PEFT's save_pretrained of a rank-4 LoRA on all seven
                                               projections, lora_alpha 8, rsLoRA off; its B matrices
                                               are random too (init_lora_weights=False), so the
                                               adapter changes the model
  expected.safetensors                         input.tokens (two sequences of 6, packed) and
                                               logits [12, vocab] of the adapted model, and
                                               base_logits of the base alone

    python3 scripts/make_peft_lora_fixture.py [--check-rlvr-adapter DIR]

--check-rlvr-adapter DIR loads an adapter folder rlvr wrote from the fixture's adapter (the committed
rlvr-saved/, whose bytes `LoRAAdapterFilesTests.savedAdapterIsTheFilePEFTWasCheckedOn` keeps) with
PEFT and compares its logits with the fixture's: exit 1 beyond 1e-4.

Requires: torch, transformers, peft, safetensors (tested with torch 2.13.0+cpu, transformers
5.25.0, peft 0.21.2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import LlamaConfig, LlamaForCausalLM

OUT = Path(__file__).resolve().parent.parent / "Tests/ModelIOTests/Fixtures/peft-lora"
TOKENS = [[5, 17, 250, 3, 99, 42], [7, 7, 120, 64, 1, 280]]


def base_model() -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True,
                         bos_token_id=None, eos_token_id=2, pad_token_id=None)
    model = LlamaForCausalLM(config).float().eval()
    with torch.no_grad():  # larger weights than the default init, so differences are visible
        for name, p in model.named_parameters():
            if "norm" not in name:
                p.mul_(10.0)
    return model


def logits(model, tokens) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model(torch.tensor([t])).logits[0] for t in tokens])


def make() -> None:
    model = base_model()
    (OUT / "model").mkdir(parents=True, exist_ok=True)
    model.save_pretrained(OUT / "model", safe_serialization=True)
    base = logits(model, TOKENS)
    lora = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, init_lora_weights=False, task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    torch.manual_seed(1)
    peft_model = get_peft_model(model, lora).eval()
    adapted = logits(peft_model, TOKENS)
    peft_model.save_pretrained(OUT / "adapter")
    for extra in [OUT / "adapter/README.md", OUT / "model/generation_config.json"]:
        extra.unlink(missing_ok=True)  # a model card stub and sampling defaults: not part of the fixture
    save_file({"input.tokens": torch.tensor(sum(TOKENS, []), dtype=torch.int64), "logits": adapted.contiguous(),
               "base_logits": base.contiguous()}, str(OUT / "expected.safetensors"))
    print(f"wrote {OUT}: largest |adapted - base| logit {float((adapted - base).abs().max()):.4f}")


def check(folder: Path) -> int:
    model = PeftModel.from_pretrained(LlamaForCausalLM.from_pretrained(OUT / "model").float().eval(), folder).eval()
    expected = load_file(str(OUT / "expected.safetensors"))
    got = logits(model, TOKENS)
    diff = float((got - expected["logits"]).abs().max())
    print(f"PEFT on rlvr's adapter: largest logit difference from rlvr {diff:.3g} (scale {float(got.abs().max()):.3g})")
    return 0 if diff <= 1e-4 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check-rlvr-adapter", type=Path)
    args = parser.parse_args()
    if args.check_rlvr_adapter:
        sys.exit(check(args.check_rlvr_adapter))
    make()
