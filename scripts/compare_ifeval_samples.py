#!/usr/bin/env python3
"""Compares two `rlvr eval --tasks ifeval` runs instruction type by instruction type.

Reads each run's samples.jsonl (one row per prompt: `reference` holds the instruction ids,
`metrics` the per-instruction verdicts) and prints, per instruction type, how many instructions
of that type each run followed (loose, or strict with --strict) and the change; then the prompts
that flipped between the runs.

    python3 scripts/compare_ifeval_samples.py runs/eval/ifeval-before runs/eval/ifeval-after
"""
import argparse
import collections
import json
import os
import sys

from jsonl_rows import jsonl_rows


def read_samples(folder, metric):
    path = os.path.join(folder, "samples.jsonl")
    verdicts = {}  # doc_index -> (instruction ids, per-instruction verdicts, prompt-level verdict)
    for number, row in jsonl_rows(path):
        if not isinstance(row, dict) or row.get("task") != "ifeval":
            continue
        try:
            ids = json.loads(row["reference"])["instruction_id_list"]
            per_instruction = row["metrics"][f"inst_level_{metric}_acc"]
            prompt = row["metrics"][f"prompt_level_{metric}_acc"][0]
            document = row["doc_index"]
        except (json.JSONDecodeError, KeyError, IndexError, TypeError) as e:
            sys.exit(f"{path}:{number}: not an rlvr eval IFEval sample ({e})")
        if len(ids) != len(per_instruction):
            sys.exit(f"{path}:{number}: {len(ids)} instructions but {len(per_instruction)} verdicts")
        verdicts[document] = (ids, per_instruction, prompt)
    return verdicts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--strict", action="store_true", help="strict verdicts instead of loose")
    args = parser.parse_args()
    metric = "strict" if args.strict else "loose"
    before, after = read_samples(args.before, metric), read_samples(args.after, metric)
    common = sorted(set(before) & set(after))
    if not common:
        sys.exit("the two runs share no IFEval documents")

    counts = collections.defaultdict(lambda: [0, 0, 0])  # type -> [instructions, followed before, after]
    for doc in common:
        ids, followed_before, _ = before[doc]
        _, followed_after, _ = after[doc]
        for instruction, b, a in zip(ids, followed_before, followed_after):
            counts[instruction][0] += 1
            counts[instruction][1] += b
            counts[instruction][2] += a

    print(f"{len(common)} prompts in both runs; {metric} verdicts\n")
    print("| instruction type | instructions | followed before | after | change |")
    print("|---|---:|---:|---:|---:|")
    for instruction, (n, b, a) in sorted(counts.items(), key=lambda item: (item[1][2] - item[1][1], item[0])):
        print(f"| {instruction} | {n} | {b} | {a} | {a - b:+d} |")
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    print(f"| all | {total[0]} | {total[1]} | {total[2]} | {total[2] - total[1]:+d} |")

    gained = [d for d in common if after[d][2] and not before[d][2]]
    lost = [d for d in common if before[d][2] and not after[d][2]]
    print(f"\nprompt level: {sum(before[d][2] for d in common)} → {sum(after[d][2] for d in common)} followed in full;"
          f" {len(gained)} gained, {len(lost)} lost")
    print("gained:", " ".join(map(str, gained)))
    print("lost:  ", " ".join(map(str, lost)))


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except OSError as e:  # e.g. standard output on a full disk
        sys.stderr.write(f"compare_ifeval_samples: cannot write the comparison: {e.strerror}\n")
        sys.exit(1)
