#!/usr/bin/env python3
"""An independent reference for `rlvr contamination`, written from the rule's description (Tülu 3
§3.2; open-instruct's exact mode), not from the Swift code.

Words: `\\w+(?:(?:['’.]|(?<=[0-9]),(?=[0-9]))\\w+)*`, lower-cased.
N-gram rule: a document token matches a training row when some n-gram of the document containing
it also occurs in one of the row's user turns; the document is contaminated by the row when
matched tokens / document tokens > threshold, or all its tokens match (so that threshold 1 means
"wholly covered"). Documents shorter than n never match.
Exact rule: the document's words appear, contiguous, inside one user turn.

Usage:
  python3 scripts/contamination_reference.py --train FILE.jsonl --eval-root data/eval \
      --eval gsm8k,math500,ifeval [--ngram 8 --threshold 0.5 | --exact] > reference.json

Prints {"pairs": [[eval, document, line, covered, tokens], ...], "best": {"eval/document": [covered, tokens]}}
with pairs ordered by line, eval set (in --eval order), document.
"""
import argparse
import json
import re
import sys

WORD = re.compile(r"\w+(?:(?:['’.]|(?<=[0-9]),(?=[0-9]))\w+)*")


def words(text):
    return [w.lower() for w in WORD.findall(text)]


EVAL_FIELDS = {
    "gsm8k": ("gsm8k/test.jsonl", "question"),
    "math500": ("math500/test.jsonl", "problem"),
    "ifeval": ("ifeval/input_data.jsonl", "prompt"),
    "mmlu": ("mmlu/test.jsonl", "question"),
    "piqa": ("piqa/valid.jsonl", "goal"),
}


def eval_documents(root, name):
    path, field = EVAL_FIELDS[name]
    with open(f"{root}/{path}", encoding="utf-8") as f:
        return [json.loads(line)[field] for line in f if line.strip()]


def user_turns(row):
    turns = []
    for field in ("messages", "chosen", "rejected"):
        for message in row.get(field) or []:
            if message["role"] == "user":
                turns.append(message["content"])
    prompt = row.get("prompt")
    if isinstance(prompt, str):
        turns.append(prompt)
    elif isinstance(prompt, list):
        turns += [m["content"] for m in prompt if m["role"] == "user"]
    return turns


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--eval-root", default="data/eval")
    parser.add_argument("--eval", default="gsm8k,math500,ifeval")
    parser.add_argument("--ngram", type=int, default=8)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--exact", action="store_true")
    args = parser.parse_args()
    n = args.ngram
    names = args.eval.split(",")
    documents = []  # (eval name, index, words)
    for name in names:
        for index, text in enumerate(eval_documents(args.eval_root, name)):
            documents.append((name, index, words(text)))

    # Which documents have a given n-gram (only to avoid comparing every row with every document).
    by_ngram = {}
    for number, (_, _, tokens) in enumerate(documents):
        for i in range(len(tokens) - n + 1):
            by_ngram.setdefault(tuple(tokens[i:i + n]), set()).add(number)

    pairs, best = [], {}
    with open(args.train, encoding="utf-8") as f:
        for line_number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            turns = [words(t) for t in user_turns(json.loads(line))]
            found = []
            if args.exact:
                padded = [" " + " ".join(t) + " " for t in turns]
                for number, (name, index, tokens) in enumerate(documents):
                    if tokens and any(" " + " ".join(tokens) + " " in p for p in padded):
                        found.append((number, len(tokens)))
            else:
                row_ngrams = set()
                for t in turns:
                    row_ngrams.update(tuple(t[i:i + n]) for i in range(len(t) - n + 1))
                candidates = set()
                for g in row_ngrams:
                    candidates |= by_ngram.get(g, set())
                for number in candidates:
                    tokens = documents[number][2]
                    matched = [False] * len(tokens)
                    for i in range(len(tokens) - n + 1):
                        if tuple(tokens[i:i + n]) in row_ngrams:
                            for k in range(i, i + n):
                                matched[k] = True
                    found.append((number, sum(matched)))
            for number, covered in found:
                name, index, tokens = documents[number]
                key = f"{name}/{index}"
                if covered > best.get(key, [-1])[0]:
                    best[key] = [covered, len(tokens)]
                if args.exact or covered / len(tokens) > args.threshold or covered == len(tokens):
                    pairs.append([names.index(name), index, line_number, covered, len(tokens), name])
    pairs.sort(key=lambda p: (p[2], p[0], p[1]))
    json.dump({"pairs": [[p[5], p[1], p[2], p[3], p[4]] for p in pairs], "best": best}, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
