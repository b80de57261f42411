#!/usr/bin/env python3
"""Next-token reference for the real SmolLM2-135M-Instruct GGUF, computed with transformers.

Loads the GGUF with transformers (AutoTokenizer / AutoModelForCausalLM with
`gguf_file=`), which dequantises every tensor to float32 and undoes llama.cpp's q/k row
permutation, and runs the float32 model on a few fixed texts tokenized WITHOUT special
tokens (no BOS). Before that it checks the loaded weights against an independent
dequantisation (gguf.quants.dequantize + the inverse of convert_hf_to_gguf.py's permute).

Writes OUT.json:

    {"model": file name, "model_sha256", "versions": {...}, "dtype": "float32",
     "notes": [...],
     "cases": [{"name", "text", "token_ids", "token_strings",
                "float64_max_abs_logit_diff",
                "positions": [{"position", "token_id",
                               "next_token_id" (null at the last position),
                               "next_token_logprob" (null at the last position),
                               "top5": [{"id", "logprob", "text"}, ...] (descending),
                               "logsumexp", "entropy",
                               "logits_first8": [8 floats]}]}]}

Log-probs are log_softmax of the float32 logits, computed in float64. Numbers are the
float64 repr of the values (logits are float32 values). `float64_max_abs_logit_diff`
is the largest |logit| difference between this float32 run and the same model cast to
float64 (transformers still does RMSNorm, RoPE tables and the attention softmax in
float32 inside the float64 model): a rough floor for the tolerance of a float32
re-implementation.

Deterministic. Run from the repository root (the model is fetched by
scripts/fetch_model.sh):

    python3 scripts/reference_real_model.py models/SmolLM2-135M-Instruct.Q4_1.gguf \\
        Tests/LlamaModelTests/Fixtures/smollm2_135m_reference.json

Requires: torch (tested with 2.13.0+cpu), transformers (5.24.0), gguf (0.19.0), numpy.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

CASES = [
    ("capital_of_france", "The capital of France is"),
    ("paragraph",
     "The quick brown fox jumps over the lazy dog. Scientists have long studied how "
     "animals learn to cooperate, and recent experiments suggest that even small birds "
     "can solve puzzles when they work together."),
]
TOP_K = 5
FIRST_LOGITS = 8


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_weights(model, gguf_path: Path) -> int:
    """Independent dequantisation of every tensor; returns how many were compared."""
    import gguf
    from gguf.quants import dequantize

    cfg = model.config
    reader = gguf.GGUFReader(str(gguf_path))
    state = model.state_dict()

    def unpermute(w, n_head):
        # inverse of convert_hf_to_gguf.py LlamaModel.permute
        return (w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:])
                .swapaxes(1, 2).reshape(w.shape))

    names = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight"}
    per_layer = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
                 "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
                 "ffn_norm": "post_attention_layernorm", "ffn_gate": "mlp.gate_proj",
                 "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    for i in range(cfg.num_hidden_layers):
        for short, long in per_layer.items():
            names[f"blk.{i}.{short}.weight"] = f"model.layers.{i}.{long}.weight"
    count = 0
    for t in reader.tensors:
        w = dequantize(t.data, t.tensor_type).reshape([int(d) for d in reversed(t.shape)]).astype(np.float32)
        if t.name.endswith("attn_q.weight"):
            w = unpermute(w, cfg.num_attention_heads)
        elif t.name.endswith("attn_k.weight"):
            w = unpermute(w, cfg.num_key_value_heads)
        hf = state[names[t.name]].numpy()
        assert hf.shape == w.shape and np.array_equal(hf, w), t.name
        count += 1
    assert count == len(names), (count, len(names))
    if cfg.tie_word_embeddings:
        assert model.lm_head.weight is model.model.embed_tokens.weight
    return count


def run_case(model, model64, tokenizer, name: str, text: str) -> dict:
    import torch

    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].numpy()          # float32
        logits64 = model64(input_ids=torch.tensor([ids])).logits[0].numpy()
    assert logits.dtype == np.float32
    z = logits.astype(np.float64)
    m = z.max(axis=-1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[:, 0]
    logp = z - lse[:, None]
    entropy = -(np.exp(logp) * logp).sum(axis=-1)
    positions = []
    for t in range(len(ids)):
        order = np.argsort(-logp[t], kind="stable")[:TOP_K]
        nxt = ids[t + 1] if t + 1 < len(ids) else None
        positions.append({
            "position": t,
            "token_id": ids[t],
            "next_token_id": nxt,
            "next_token_logprob": None if nxt is None else float(logp[t, nxt]),
            "top5": [{"id": int(k), "logprob": float(logp[t, k]), "text": tokenizer.decode([int(k)])} for k in order],
            "logsumexp": float(lse[t]),
            "entropy": float(entropy[t]),
            "logits_first8": [float(v) for v in logits[t, :FIRST_LOGITS]],
        })
    return {
        "name": name,
        "text": text,
        "token_ids": ids,
        "token_strings": [tokenizer.decode([i]) for i in ids],
        "float64_max_abs_logit_diff": float(np.max(np.abs(logits64 - z))),
        "positions": positions,
    }


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        raise SystemExit(__doc__)
    gguf_path, out_path = Path(argv[1]), Path(argv[2])
    os.environ.setdefault("TQDM_DISABLE", "1")  # transformers' GGUF loader uses tqdm directly
    import gguf  # noqa: F401  (transformers needs it for gguf_file=)
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    transformers.utils.logging.disable_progress_bar()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    directory, file = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=file)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=file, dtype=torch.float32)
    model.eval()
    assert next(model.parameters()).dtype == torch.float32
    compared = check_weights(model, gguf_path)
    print(f"{compared} tensors: transformers' dequantisation == gguf.quants.dequantize + unpermute")
    model64 = copy.deepcopy(model).double().eval()

    cases = [run_case(model, model64, tokenizer, name, text) for name, text in CASES]
    result = {
        "model": gguf_path.name,
        "model_sha256": sha256(gguf_path),
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "gguf": _gguf_version(), "numpy": np.__version__},
        "dtype": "float32",
        "notes": [
            "tokenized with add_special_tokens=False (no BOS); tokenizer built by transformers from the GGUF metadata",
            "weights dequantised by transformers (gguf-py) to float32, q/k permutation undone; model run in float32",
            "logprob = log_softmax(float32 logits) computed in float64; top5 sorted by descending logprob",
            "transformers computes RMSNorm, RoPE tables and the attention softmax in float32 internally",
        ],
        "cases": cases,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")

    for case in cases:
        print(f"[{case['name']}] {len(case['token_ids'])} tokens: {case['token_ids']}")
        print(f"  max |float32 - float64| logit: {case['float64_max_abs_logit_diff']:.3e}")
        targets = [p["next_token_logprob"] for p in case["positions"] if p["next_token_logprob"] is not None]
        print(f"  mean next-token logprob {np.mean(targets):.4f}")
    last = cases[0]["positions"][-1]
    top = [(e["text"], round(e["logprob"], 4)) for e in last["top5"]]
    print(f"top-5 after {cases[0]['text']!r}: {top}")
    print(f"' Paris' in top-5: {any(e['text'] == ' Paris' for e in last['top5'])}")


def _gguf_version() -> str:
    from importlib.metadata import version
    return version("gguf")


if __name__ == "__main__":
    main(sys.argv)
