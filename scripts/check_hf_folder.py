#!/usr/bin/env python3
"""Load a model folder rlvr wrote (a run's final/) with Hugging Face transformers and generate.

Checks what a transformers user does with a checkpoint: AutoTokenizer and AutoModelForCausalLM
load the folder, the chat template renders the prompt, and greedy `generate` with nothing but
the folder's generation_config.json stops at its end-of-sequence token. With --expect, the
generated ids are compared with `rlvr generate --json` on the same folder and prompt (the first
--compare tokens must agree: beyond them, float rounding between two implementations may flip
a near tie).

    rlvr generate --model RUN/final --chat --prompt "What is 7 times 8?" \
        --temperature 0 --max-new-tokens 64 --json > /tmp/rlvr.jsonl
    python3 scripts/check_hf_folder.py RUN/final --prompt "What is 7 times 8?" --expect /tmp/rlvr.jsonl

Requires: torch, transformers (tested with torch 2.13.0+cpu, transformers 5.25.0). Exit 1 on a
mismatch, naming it.
"""

from __future__ import annotations

import argparse
import json
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--prompt", default="What is 7 times 8?")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--expect", help="rlvr generate --json output for the same prompt")
    parser.add_argument("--compare", type=int, default=32, help="leading tokens that must agree")
    args = parser.parse_args()

    tokenizer = AutoTokenizer.from_pretrained(args.folder)
    model = AutoModelForCausalLM.from_pretrained(args.folder, dtype=torch.float32)
    generation = GenerationConfig.from_pretrained(args.folder)
    print(f"generation_config: bos {generation.bos_token_id}, eos {generation.eos_token_id}, pad {generation.pad_token_id}")
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": args.prompt}], tokenize=False, add_generation_prompt=True)
    ids = tokenizer(prompt, return_tensors="pt").input_ids
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=args.max_new_tokens, do_sample=False)
    new = out[0, ids.shape[1]:].tolist()
    eos = generation.eos_token_id if isinstance(generation.eos_token_id, list) else [generation.eos_token_id]
    stopped = bool(new) and new[-1] in eos
    print(f"prompt: {ids.shape[1]} tokens; generated {len(new)} tokens, stopped at eos: {stopped}")
    print("response:", repr(tokenizer.decode(new, skip_special_tokens=True)))
    if not args.expect:
        return 0
    with open(args.expect, encoding="utf-8") as f:
        theirs = json.loads(f.readline())
    expected_prompt = theirs.get("prompt")
    if expected_prompt is not None and expected_prompt != prompt:
        print(f"MISMATCH: rendered prompts differ\n  transformers: {prompt!r}\n  rlvr:         {expected_prompt!r}", file=sys.stderr)
        return 1
    reference = theirs["token_ids"]
    n = min(args.compare, len(reference), len(new))
    agree = next((i for i in range(n) if reference[i] != new[i]), n)
    print(f"rlvr generated {len(reference)} tokens ({theirs.get('finish_reason')}); first {agree} of {n} compared agree")
    if agree < n:
        print(f"MISMATCH at token {agree}: transformers {new[agree]}, rlvr {reference[agree]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
