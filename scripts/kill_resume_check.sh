#!/usr/bin/env bash
# Kills a training run with SIGKILL at random moments, resumes it each time with --resume, and checks
# that it ends with the same weights and metrics as a run that was never interrupted.
#
#   scripts/kill_resume_check.sh sft            # configs/tiny/sft.yaml
#   scripts/kill_resume_check.sh dpo 4          # four kills
#   scripts/kill_resume_check.sh rm 3 configs/tiny/rm.yaml
#   scripts/kill_resume_check.sh ppo 3 configs/tiny/ppo.yaml   # after make demo (the demo's model)
#
# Needs `make build` and `make model` first. Checkpoints every step (output.save_every=1) so a kill
# can land in any phase: a step, a checkpoint write, a metrics line, the reference pass, final/.
set -euo pipefail
stage=${1:-sft}
kills=${2:-3}
config=${3:-configs/tiny/$stage.yaml}
rlvr=${RLVR:-.build/release/rlvr}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
settings=(--set output.save_every=1 --set dpo.reference_cache="$work/cache")

start=$(date +%s)
"$rlvr" "$stage" --config "$config" "${settings[@]}" --out "$work/whole" > "$work/whole.log"
whole_seconds=$(( $(date +%s) - start ))
echo "uninterrupted run: ${whole_seconds}s"
rm -rf "$work/cache"   # the interrupted run computes its own reference log-probs (and may be killed doing it)

for ((k = 1; k <= kills; k++)); do
  if compgen -G "$work/cut/checkpoints/step-*" > /dev/null; then args=(--resume "$work/cut"); else args=(--out "$work/cut"); fi
  "$rlvr" "$stage" --config "$config" "${settings[@]}" "${args[@]}" >> "$work/cut.log" 2>&1 &
  pid=$!
  delay=$(( 2 + RANDOM % (whole_seconds > 4 ? whole_seconds - 2 : 2) ))
  sleep "$delay"
  if kill -9 "$pid" 2> /dev/null; then
    wait "$pid" 2> /dev/null || true
    echo "kill $k: SIGKILL after ${delay}s ($(ls "$work/cut/checkpoints" 2> /dev/null | tr '\n' ' '))"
  else
    wait "$pid" || true
    echo "kill $k: the run had already finished"
    break
  fi
done
if compgen -G "$work/cut/checkpoints/step-*" > /dev/null; then args=(--resume "$work/cut"); else args=(--out "$work/cut"); fi
"$rlvr" "$stage" --config "$config" "${settings[@]}" "${args[@]}" >> "$work/cut.log" 2>&1

# wall-clock fields differ between any two runs: compare the rest
strip() { sed -E 's/"(tokens_per_s|tokens_per_s\/[a-z]+|time\/[a-z]+)":[0-9.e+-]+,?//g' "$1"; }
a=$(sha256sum < "$work/whole/final/model.safetensors" | cut -c1-16)
b=$(sha256sum < "$work/cut/final/model.safetensors" | cut -c1-16)
echo "final/model.safetensors: uninterrupted $a, killed and resumed $b"
if [ "$a" = "$b" ] && diff <(strip "$work/whole/metrics.jsonl") <(strip "$work/cut/metrics.jsonl") > /dev/null; then
  echo "identical weights and metrics ($(wc -l < "$work/cut/metrics.jsonl") steps)"
else
  echo "MISMATCH"; diff <(strip "$work/whole/metrics.jsonl") <(strip "$work/cut/metrics.jsonl") || true; exit 1
fi
