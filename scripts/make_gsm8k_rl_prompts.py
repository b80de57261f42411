"""Writes data/gsm8k-rl-prompts.jsonl (GSM8K training problems 64…319, after the 64 of the SFT sample) and
data/gsm8k-rl-held-out.jsonl (the first 100 test problems) as RLVR prompts in open-instruct's format:
{"messages": [user], "ground_truth": "<final number>", "dataset": "gsm8k"}.

Usage: python3 scripts/make_gsm8k_rl_prompts.py --data GSM8K_DIR   (the folder with train.jsonl and test.jsonl)
"""
import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help="folder with GSM8K's train.jsonl and test.jsonl")
args = parser.parse_args()


def rows(path, start, count):
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()[start:start + count]
    for line in lines:
        row = json.loads(line)
        answer = row["answer"].split("####")[-1].strip().replace(",", "")
        yield {"messages": [{"role": "user", "content": row["question"]}], "ground_truth": answer, "dataset": "gsm8k"}


for out, source, start, count in [("data/gsm8k-rl-prompts.jsonl", "train.jsonl", 64, 256), ("data/gsm8k-rl-held-out.jsonl", "test.jsonl", 0, 100)]:
    with open(out, "w", encoding="utf-8") as f:
        for row in rows(os.path.join(args.data, source), start, count):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{out}: {count} prompts")
