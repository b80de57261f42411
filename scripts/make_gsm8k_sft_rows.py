#!/usr/bin/env python3
"""Writes GSM8K training problems as SFT conversations, `{"messages": [user question, assistant
worked solution]}`, the form of data/gsm8k-sft-sample.jsonl (the first 64 problems).

  python3 scripts/make_gsm8k_sft_rows.py --first 7441 --count 32 > data/gsm8k-sft-held-out.jsonl

Reads data/eval/gsm8k/train.jsonl (openai/grade-school-math, MIT).
"""
import argparse
import json
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--train", default="data/eval/gsm8k/train.jsonl")
parser.add_argument("--first", type=int, required=True, help="0-based index of the first problem")
parser.add_argument("--count", type=int, required=True)
args = parser.parse_args()
with open(args.train, encoding="utf-8") as f:
    rows = [json.loads(line) for line in f if line.strip()]
for row in rows[args.first:args.first + args.count]:
    messages = [{"role": "user", "content": row["question"]}, {"role": "assistant", "content": row["answer"]}]
    sys.stdout.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
