"""Independent check of a reward model written by `rlvr rm`: loads RUN/final with transformers'
LlamaForSequenceClassification, scores the chosen and rejected conversations of a preference file
at the closing <|im_end|> of the compared response (the token rlvr scores), and prints the mean
loss, accuracy and margin beside the eval_* figures rlvr logged for the same file.

Usage (the run must have been trained with data.eval set to the same file):
  rlvr rm --config configs/tiny/rm.yaml --set data.eval=data/gsm8k-preference-sample.jsonl --out runs/rm-check
  python3 scripts/check_reward_model.py runs/rm-check data/gsm8k-preference-sample.jsonl
Needs torch and transformers (development tools only).
"""
import json
import math
import sys

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

run, data = sys.argv[1], sys.argv[2]
tokenizer = AutoTokenizer.from_pretrained(run + "/final")
model = AutoModelForSequenceClassification.from_pretrained(run + "/final", torch_dtype=torch.float32).eval()
eos = tokenizer.convert_tokens_to_ids("<|im_end|>")


def reward(messages):
    ids = tokenizer.apply_chat_template(messages, tokenize=True)
    if hasattr(ids, "input_ids"):
        ids = ids["input_ids"]
    position = max(i for i, t in enumerate(ids) if t == eos)
    with torch.no_grad():
        hidden = model.model(torch.tensor([ids])).last_hidden_state[0, position]
        return float(model.score(hidden)[0])


losses, correct, margins = [], [], []
with open(data, encoding="utf-8") as f:
    for line in f:
        row = json.loads(line)
        r_c, r_r = reward(row["chosen"]), reward(row["rejected"])
        d = r_c - r_r
        losses.append(math.log1p(math.exp(-d)) if d > -30 else -d)
        correct.append(1.0 if r_c > r_r else 0.0)
        margins.append(d)

n = len(losses)
print(f"transformers: eval_loss {sum(losses) / n:.6f}  eval_accuracy {sum(correct) / n:.4f}  eval_margin {sum(margins) / n:.6f}  ({n} pairs)")
last = [json.loads(l) for l in open(run + "/metrics.jsonl", encoding="utf-8") if "eval_loss" in l][-1]
print(f"rlvr:         eval_loss {last['eval_loss']:.6f}  eval_accuracy {last['eval_accuracy']:.4f}  eval_margin {last['eval_margin']:.6f}")
