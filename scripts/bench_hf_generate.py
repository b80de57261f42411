#!/usr/bin/env python3
"""Hugging Face side of the generation-speed comparison (prompt processing and decoding).

Loads SmolLM2-135M-Instruct from the Q4_1 GGUF with transformers (`gguf_file=`, which
dequantises every tensor to float32), so the model runs with float32 weights, in
eval mode under torch.inference_mode(), on the CPU. Measures:

1. Prompt processing: one forward over a single --prefill-tokens random-token prompt
   (batch 1), median of --repeats (3) after one warm-up forward. Reported twice:
   `prompt_tokens_per_s` computes logits at every position (what a scoring/training
   forward needs); `prompt_tokens_per_s_last_logits` uses logits_to_keep=1 (what a
   generation prefill and llama.cpp's prompt processing compute).
2. Decoding, for each batch size in --batches: `batch` random --prompt-tokens prompts
   (seeded, ids in [100, 49000), no padding, all-ones attention mask) and

       model.generate(input_ids, attention_mask=..., do_sample=False,
                      max_new_tokens=N, min_new_tokens=N, use_cache=True, pad_token_id=...)

   after one warm-up generate with a few new tokens. Reports the generate wall time
   (median of --repeats), the time of a separate prefill forward of the same batch
   (use_cache=True, logits_to_keep=1, as generate's own prefill; median of --repeats), and

       decode_tokens_per_s = batch*N / (generate_s - prefill_s)
       total_tokens_per_s  = batch*N / generate_s

   (generate's prefill already yields the first new token, so the difference covers
   N-1 decode forwards: decode_tokens_per_s is ~1/N optimistic; the definition is kept
   as is so that both sides of the comparison use the same formula.)

Every measurement also records cpu/wall, the process's CPU time over its wall time: about
--threads on an idle machine, clearly lower when other processes competed for the cores
(the figures are then not trustworthy). The load average at start and end is recorded
too. Peak RSS (ru_maxrss) is read at the end. Prints a human-readable summary and a final
machine-readable `RESULT {...}` JSON line. Run from the repository root (the model is
fetched by scripts/fetch_model.sh):

    python3 scripts/bench_hf_generate.py --threads 2 --batches 1,8,32

torch, transformers, accelerate and gguf are development-only dependencies (the Swift
package does not use them):

    pip install 'torch==2.13.0+cpu' transformers accelerate gguf
"""
import argparse
import json
import os
import platform
import resource
import statistics
import time

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

LOW_ID, HIGH_ID = 100, 49000  # random prompt ids in [LOW_ID, HIGH_ID)


class Clock:
    """Wall time plus the process's CPU time over the same interval. cpu/wall is ~threads
    on an otherwise idle machine; a clearly lower ratio means other processes competed for
    the cores and the figure is not trustworthy."""

    def __init__(self) -> None:
        self.wall, self.cpu = [], []

    def run(self, fn):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        self.wall.append(time.perf_counter() - w)
        self.cpu.append(time.process_time() - c)
        return out

    def median(self) -> float:
        return statistics.median(self.wall)

    def cpu_ratio(self) -> float:
        return sum(self.cpu) / sum(self.wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--prompt-tokens", type=int, default=64)
    ap.add_argument("--new-tokens", type=int, default=128)
    ap.add_argument("--prefill-tokens", type=int, default=512)
    ap.add_argument("--warmup-new-tokens", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3,
                    help="timed repetitions of every measurement; the median is reported")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",") if b.strip()]

    loadavg_start = [round(x, 2) for x in os.getloadavg()]
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    folder, name = os.path.split(os.path.abspath(args.model))
    t0 = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    model.eval()
    load_s = time.perf_counter() - t0
    assert all(p.dtype == torch.float32 for p in model.parameters())
    n_params = sum(p.numel() for p in model.parameters())
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, "
          f"threads={torch.get_num_threads()}, attn={model.config._attn_implementation}, "
          f"params={n_params / 1e6:.1f}M, load {load_s:.1f} s")

    gen = torch.Generator().manual_seed(args.seed)
    result = dict(model=name, dtype="float32", params=n_params, threads=args.threads,
                  torch=torch.__version__, transformers=transformers.__version__,
                  python=platform.python_version(), attn=model.config._attn_implementation,
                  prefill_tokens=args.prefill_tokens, prompt_tokens=args.prompt_tokens,
                  new_tokens=args.new_tokens, load_s=round(load_s, 2))

    with torch.inference_mode():
        # (1) prompt processing, batch 1
        ids = torch.randint(LOW_ID, HIGH_ID, (1, args.prefill_tokens), generator=gen)
        for label, kwargs in (("all_logits", {}), ("last_logits", dict(logits_to_keep=1))):
            run = lambda: model(input_ids=ids, use_cache=False, **kwargs)  # noqa: E731
            run()  # warm-up
            clock = Clock()
            for _ in range(args.repeats):
                clock.run(run)
            med = clock.median()
            tps = args.prefill_tokens / med
            key = "prompt_tokens_per_s" if label == "all_logits" else "prompt_tokens_per_s_last_logits"
            result[key] = round(tps, 2)
            result[key.replace("tokens_per_s", "s")] = round(med, 4)
            result[key.replace("tokens_per_s", "cpu_ratio")] = round(clock.cpu_ratio(), 2)
            print(f"prompt processing ({label}), {args.prefill_tokens} tokens: "
                  f"median {med:.3f} s of {[round(t, 3) for t in clock.wall]} -> {tps:.1f} tokens/s "
                  f"(cpu/wall {clock.cpu_ratio():.2f})")

        # (2) decoding per batch size
        decode = []
        for batch in batches:
            input_ids = torch.randint(LOW_ID, HIGH_ID, (batch, args.prompt_tokens), generator=gen)
            mask = torch.ones_like(input_ids)

            def generate(n: int) -> torch.Tensor:
                return model.generate(input_ids, attention_mask=mask, do_sample=False,
                                      max_new_tokens=n, min_new_tokens=n, use_cache=True,
                                      pad_token_id=pad_id)

            generate(args.warmup_new_tokens)  # warm-up
            gen_clock = Clock()
            for _ in range(args.repeats):
                out = gen_clock.run(lambda: generate(args.new_tokens))
                assert out.shape == (batch, args.prompt_tokens + args.new_tokens), out.shape
            gen_s = gen_clock.median()

            prefill = lambda: model(input_ids=input_ids, attention_mask=mask,  # noqa: E731
                                    use_cache=True, logits_to_keep=1)
            pre_clock = Clock()
            for _ in range(args.repeats):
                pre_clock.run(prefill)
            prefill_s = pre_clock.median()

            new = batch * args.new_tokens
            row = dict(batch=batch, generate_s=round(gen_s, 4), prefill_s=round(prefill_s, 4),
                       generate_runs_s=[round(t, 3) for t in gen_clock.wall],
                       generate_cpu_ratio=round(gen_clock.cpu_ratio(), 2),
                       decode_tokens_per_s=round(new / (gen_s - prefill_s), 2),
                       total_tokens_per_s=round(new / gen_s, 2),
                       ms_per_decode_step=round(1000 * (gen_s - prefill_s) / (args.new_tokens - 1), 2))
            decode.append(row)
            print(f"batch {batch:3d}: generate {gen_s:.2f} s, prefill {prefill_s:.3f} s "
                  f"-> decode {row['decode_tokens_per_s']:.1f} tokens/s "
                  f"({row['ms_per_decode_step']:.1f} ms/step), total {row['total_tokens_per_s']:.1f} tokens/s; "
                  f"runs {row['generate_runs_s']}, cpu/wall {row['generate_cpu_ratio']:.2f}")
        result["decode"] = decode

    peak_rss_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
    result["peak_rss_gib"] = round(peak_rss_gib, 3)
    result["loadavg_start"] = loadavg_start
    result["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"peak RSS {peak_rss_gib:.2f} GiB")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
