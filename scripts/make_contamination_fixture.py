#!/usr/bin/env python3
"""Writes the training rows that `rlvr contamination` is checked on against the reference
(scripts/contamination_reference.py): real rows from the project's data files and rows that hold
pieces of GSM8K, MATH-500 and IFEval documents of every size around the 50 % threshold, in every
row format the command reads (messages, chosen/rejected, prompt string, prompt list), with changed
case and punctuation.

  python3 scripts/make_contamination_fixture.py --seed 5 > Tests/EvaluationTests/Fixtures/contamination/train.jsonl
"""
import argparse
import json
import random
import sys


def read(path, field=None):
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [r[field] for r in rows] if field else rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--data", default="data")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    documents = (read(f"{args.data}/eval/gsm8k/test.jsonl", "question")
                 + read(f"{args.data}/eval/math500/test.jsonl", "problem")
                 + read(f"{args.data}/eval/ifeval/input_data.jsonl", "prompt"))
    filler = read(f"{args.data}/eval/gsm8k/train.jsonl", "question")
    rows = []
    # Real rows: GSM8K train questions, IFEval-like prompts, the template IFEval prompts.
    rows += [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": "..."}]} for q in rng.sample(filler, 600)]
    rows += rng.sample(read(f"{args.data}/ifeval-like-rl-prompts.jsonl"), 400)
    rows += rng.sample(read(f"{args.data}/ifeval-rl-prompts.jsonl"), 200)
    rows += read(f"{args.data}/gsm8k-preference-sample.jsonl")

    def piece(document):
        """A contiguous share of the document's whitespace-separated words, sometimes altered."""
        parts = document.split()
        share = rng.choice([0.2, 0.4, 0.45, 0.5, 0.55, 0.6, 0.75, 0.9, 1.0, rng.random()])
        length = max(1, round(share * len(parts)))
        start = rng.randrange(0, len(parts) - length + 1)
        taken = parts[start:start + length]
        if rng.random() < 0.3 and len(taken) > 4:
            taken[rng.randrange(len(taken))] = rng.choice(["banana", "QUANTUM", "42", "x."])
        text = " ".join(taken)
        if rng.random() < 0.2:
            text = text.upper()
        if rng.random() < 0.2:
            text = text.replace(",", "").replace(".", " .")
        return text

    for _ in range(1300):
        document = rng.choice(documents)
        text = rng.choice(filler)[: rng.randrange(0, 200)] + " " + piece(document) + " " + rng.choice(filler)[: rng.randrange(0, 200)]
        shape = rng.randrange(5)
        if shape == 0:
            row = {"messages": [{"role": "system", "content": piece(rng.choice(documents))},
                                {"role": "user", "content": text}, {"role": "assistant", "content": document}]}
        elif shape == 1:
            row = {"messages": [{"content": piece(document), "role": "user"}, {"role": "assistant", "content": "ok"},
                                {"role": "user", "content": piece(document)}]}
        elif shape == 2:
            row = {"chosen": [{"role": "user", "content": text}, {"role": "assistant", "content": "a"}],
                   "rejected": [{"role": "user", "content": text}, {"role": "assistant", "content": "b"}]}
        elif shape == 3:
            row = {"prompt": text, "completion": document, "id": rng.randrange(10**6)}
        else:
            row = {"prompt": [{"role": "user", "content": text}], "ground_truth": {"n": [1, 2.5e3, None, True]}}
        rows.append(row)
    rng.shuffle(rows)
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=rng.random() < 0.5) + "\n")


if __name__ == "__main__":
    main()
