#!/usr/bin/env python3
"""Compares `rlvr eval` samples with the lm-evaluation-harness fixtures, item by item.

    rlvr eval --model models/SmolLM2-135M-Instruct.Q4_1.gguf --tasks hellaswag --limit 200 --out /tmp/ours
    python3 scripts/compare_lm_eval_fixture.py /tmp/ours/samples.jsonl hellaswag

Prints, for a multiple-choice task: documents compared, identical contexts and continuations, the
largest log-likelihood difference, identical chosen answers and both accuracies; for a generative
task: identical prompts, identical responses and identical per-document scores. Development tool.
"""
import json
import sys

samples, task = sys.argv[1], sys.argv[2]
fixture = f"Tests/EvaluationTests/Fixtures/lm_eval/{task}.jsonl"
ours = {}
for line in open(samples):
    row = json.loads(line)
    if row["task"] == task:
        ours[row["doc_index"]] = row
reference = [json.loads(line) for line in open(fixture)]
reference = [r for r in reference if r["doc_index"] in ours]
argmax = lambda values: max(range(len(values)), key=lambda i: (values[i], -i))
if "loglikelihoods" in reference[0]:
    same_text = sum(ours[r["doc_index"]]["prompt"] == r["context"] and ours[r["doc_index"]]["continuations"] == r["continuations"] for r in reference)
    gap = max(abs(a - b) for r in reference for a, b in zip(ours[r["doc_index"]]["loglikelihoods"], r["loglikelihoods"]))
    same_answer = sum(argmax(ours[r["doc_index"]]["loglikelihoods"]) == argmax(r["loglikelihoods"]) for r in reference)
    acc = lambda rows, key: 100 * sum(rows) / len(rows)
    print(f"{task}: {len(reference)} documents, {same_text} identical contexts and continuations, largest log-likelihood difference "
          f"{gap:.2e}, {same_answer} identical answers; acc/acc_norm lm-eval {acc([r['acc'] for r in reference], 0):.1f}/"
          f"{acc([r['acc_norm'] for r in reference], 0):.1f}, ours {acc([ours[r['doc_index']]['metrics']['acc'][0] for r in reference], 0):.1f}/"
          f"{acc([ours[r['doc_index']]['metrics']['acc_norm'][0] for r in reference], 0):.1f}")
else:
    same_prompt = sum(ours[r["doc_index"]]["prompt"] == r["prompt"] for r in reference)
    same_response = sum(ours[r["doc_index"]]["responses"][0] == r["response"] for r in reference)
    print(f"{task}: {len(reference)} documents, {same_prompt} identical prompts, {same_response} identical greedy responses")
    for r in reference:
        o = ours[r["doc_index"]]
        if o["responses"][0] != r["response"]:
            a, b = o["responses"][0], r["response"]
            k = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
            print(f"  doc {r['doc_index']}: differ at character {k}: ours {a[k:k+40]!r} lm-eval {b[k:k+40]!r}")
