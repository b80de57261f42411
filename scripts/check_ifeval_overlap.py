#!/usr/bin/env python3
"""Decontamination of RL prompts against the 541 IFEval prompts, by Tülu 3's rule: a prompt is
contaminated when more than 50 % of its tokens lie inside 8-grams that also occur in a benchmark
prompt. Tokens are lower-cased runs of letters and digits. Writes a report (counts, the largest
coverage, the most covered prompts) to stdout; exits 1 if any prompt is contaminated.

Usage: python3 scripts/check_ifeval_overlap.py data/ifeval-like-rl-prompts.jsonl data/ifeval-like-held-out.jsonl \
           > data/ifeval-like-overlap.txt
"""
import json
import re
import sys

N = 8


def tokens(text):
    return re.findall(r"[a-z0-9]+", text.lower())


benchmark = set()
for line in open("data/eval/ifeval/input_data.jsonl"):
    words = tokens(json.loads(line)["prompt"])
    benchmark.update(tuple(words[i:i + N]) for i in range(len(words) - N + 1))

worst = []
contaminated = 0
total = 0
for path in sys.argv[1:]:
    for number, line in enumerate(open(path), start=1):
        text = json.loads(line)["messages"][0]["content"]
        words = tokens(text)
        covered = [False] * len(words)
        for i in range(len(words) - N + 1):
            if tuple(words[i:i + N]) in benchmark:
                for j in range(i, i + N):
                    covered[j] = True
        share = sum(covered) / max(1, len(words))
        total += 1
        contaminated += share > 0.5
        worst.append((share, f"{path}:{number}", text))
worst.sort(key=lambda item: -item[0])
print(f"{total} prompts checked against {len(benchmark)} distinct IFEval {N}-grams (541 prompts)")
print(f"contaminated (more than 50 % of tokens inside shared {N}-grams): {contaminated}")
print(f"prompts with any shared {N}-gram: {sum(1 for s, _, _ in worst if s > 0)}")
print(f"largest coverage: {worst[0][0]:.1%}" if worst else "no prompts")
for share, place, text in worst[:5]:
    if share > 0:
        print(f"  {share:.1%}  {place}  {text[:120]}")
sys.exit(1 if contaminated else 0)
