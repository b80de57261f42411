#!/bin/sh
# External verifier example in plain shell: reads one JSON request per line and answers with
# score 1 when the request contains an <answer>…</answer> pair, else 0.
while IFS= read -r line; do
  case "$line" in
    *"<answer>"*"</answer>"*) echo '{"score": 1, "reason": "answer tags present"}' ;;
    *) echo '{"score": 0, "reason": "no <answer>...</answer> pair"}' ;;
  esac
done
