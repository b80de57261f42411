"""Writes data/gsm8k-preference-sample.jsonl: GSM8K preference pairs in open-instruct's format
({"chosen": [user, assistant], "rejected": [user, assistant]}), each pairing a GPT-3 solution that
OpenAI labelled correct with one labelled incorrect for the same test question.

Usage: python3 scripts/make_preference_sample.py --data GSM8K_DIR [--pairs 64] [--out data/gsm8k-preference-sample.jsonl]
GSM8K_DIR holds model_solutions_dev.jsonl (grade_school_math's example_model_solutions.jsonl joined
with test.jsonl: question, response, openai_is_correct per row).
"""
import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help="folder with model_solutions_dev.jsonl")
parser.add_argument("--pairs", type=int, default=64)
parser.add_argument("--out", default="data/gsm8k-preference-sample.jsonl")
args = parser.parse_args()

by_question = {}
order = []
with open(os.path.join(args.data, "model_solutions_dev.jsonl"), encoding="utf-8") as f:
    for line in f:
        row = json.loads(line)
        key = row["question"]
        if key not in by_question:
            by_question[key] = {"correct": [], "incorrect": []}
            order.append(key)
        by_question[key]["correct" if row["openai_is_correct"] else "incorrect"].append(row["response"])

pairs = []
for question in order:
    group = by_question[question]
    if group["correct"] and group["incorrect"]:
        user = {"role": "user", "content": question}
        pairs.append({
            "chosen": [user, {"role": "assistant", "content": group["correct"][0]}],
            "rejected": [user, {"role": "assistant", "content": group["incorrect"][0]}],
        })
    if len(pairs) == args.pairs:
        break

with open(args.out, "w", encoding="utf-8") as f:
    for pair in pairs:
        f.write(json.dumps(pair, ensure_ascii=False) + "\n")
print(f"{args.out}: {len(pairs)} pairs")
