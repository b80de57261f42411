#!/usr/bin/env python3
"""External verifier example: one JSON request per line in, one JSON verdict per line out.

Request: {"response": str, "ground_truth": str (a target word count), "prompt": str?}
Verdict: {"score": 1 - |words - target| / target (at least 0), "reason": str}
"""
import json
import sys

for line in sys.stdin:
    request = json.loads(line)
    words = len(request["response"].split())
    target = max(1, int(str(request["ground_truth"]).strip() or "1"))
    score = max(0.0, 1.0 - abs(words - target) / target)
    print(json.dumps({"score": score, "reason": f"{words} words for a target of {target}"}), flush=True)
