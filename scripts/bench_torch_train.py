#!/usr/bin/env python3
"""PyTorch side of the training-speed comparison with `rlvr bench`.

Measures the wall-clock time of full fp32 training steps of a randomly initialised
Hugging Face LlamaForCausalLM with SmolLM2-135M's architecture (built from a config,
nothing is downloaded) on random tokens, on the CPU:

    forward with labels (mean next-token cross-entropy) -> backward
    -> clip_grad_norm_(1.0) -> AdamW(lr=1e-5, weight_decay=0.01) step -> zero_grad

One warm-up step, then --steps timed steps. Prints each step's time, the median,
tokens/s (batch*seq / median), the achieved GFLOP/s under the same FLOP count as the
Swift benchmark (Sources/Training/Benchmarks/TrainStepBenchmark.swift), the peak RSS,
and a final machine-readable `RESULT {...}` JSON line.

    python3 scripts/bench_torch_train.py --batch 4 --seq 512 --steps 3 --threads 2

torch is a development-only dependency (the Swift package does not use it):

    pip install 'torch==2.13.0+cpu' transformers
"""
import argparse
import json
import resource
import statistics
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

# SmolLM2-135M (HuggingFaceTB/SmolLM2-135M config.json)
ARCH = dict(
    vocab_size=49152, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
    num_attention_heads=9, num_key_value_heads=3, head_dim=64, rope_theta=100000.0,
    rms_norm_eps=1e-5, tie_word_embeddings=True, max_position_embeddings=8192,
)


def flops_per_step(c: LlamaConfig, batch: int, seq: int) -> float:
    """Matmul (6*N*P) plus causal attention FLOPs; identical to the Swift benchmark."""
    h, q, kv = c.hidden_size, c.num_attention_heads * c.head_dim, c.num_key_value_heads * c.head_dim
    per_layer = 2 * h * q + 2 * h * kv + 3 * h * c.intermediate_size
    weights = c.num_hidden_layers * per_layer + c.vocab_size * h
    matmul = 6.0 * (batch * seq) * weights
    causal_pairs = batch * seq * (seq + 1) / 2
    attention = 3.0 * c.num_hidden_layers * 4 * q * causal_pairs
    return matmul + attention


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--attn", choices=["sdpa", "eager"], default="sdpa")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    config = LlamaConfig(**ARCH)
    config._attn_implementation = args.attn
    model = LlamaForCausalLM(config).to(torch.float32).train()
    assert model.config._attn_implementation == args.attn
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)

    gen = torch.Generator().manual_seed(args.seed)
    tokens = torch.randint(0, config.vocab_size, (args.batch, args.seq), generator=gen)

    def step() -> float:
        start = time.perf_counter()
        loss = model(input_ids=tokens, labels=tokens).loss  # HF shifts labels internally
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return time.perf_counter() - start

    print(f"torch {torch.__version__}, attn={args.attn}, threads={args.threads}, "
          f"params={n_params / 1e6:.1f}M, batch={args.batch}, seq={args.seq}")
    print(f"warm-up step: {step():.2f} s")
    times = []
    for i in range(args.steps):
        times.append(step())
        print(f"step {i + 1}/{args.steps}: {times[-1]:.2f} s")

    median = statistics.median(times)
    tokens_per_s = args.batch * args.seq / median
    gflops = flops_per_step(config, args.batch, args.seq) / median / 1e9
    peak_rss_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
    print(f"median step: {median:.3f} s, {tokens_per_s:.1f} tokens/s, {gflops:.1f} GFLOP/s, "
          f"peak RSS {peak_rss_gib:.2f} GiB")

    result = dict(tokens_per_s=round(tokens_per_s, 2), gflops=round(gflops, 2),
                  median_step_s=round(median, 4), peak_rss_gib=round(peak_rss_gib, 3),
                  threads=args.threads, batch=args.batch, seq=args.seq,
                  torch=torch.__version__, attn=args.attn)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
