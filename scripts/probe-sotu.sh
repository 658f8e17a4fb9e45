#!/usr/bin/env bash
# The model card's probe: which party gave a State of the Union passage (data/sotu, 8 parties),
# from a pretrained encoder's FROZEN features (--train-only head: only the classification head
# learns) against the same head on a randomly initialised encoder of the same shape. A gap
# means pretraining put something into the features.
#   scripts/probe-sotu.sh [MODEL] [OUT]     # defaults: models/roberta-mini-en, /tmp/probe-sotu
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:-$root/models/roberta-mini-en}"
out="${2:-/tmp/probe-sotu}"
epochs="${PROBE_EPOCHS:-10}"
mkdir -p "$out"
# the party as the label ("label" is what finetune reads)
for split in train dev; do
  python3 "$root/scripts/sotu-party.py" "$root/data/sotu/$split.jsonl.gz" "$out/party-$split.jsonl" >&2
done
common=(--task seq-cls --train "$out/party-train.jsonl" --eval "$out/party-dev.jsonl" --train-only head
        --epochs "$epochs" --lr 1e-3 --batch-size 32 --max-length 128 --seed 42 --overwrite)
"$root/roberta" finetune --model "$model" "${common[@]}" --output "$out/pretrained"
"$root/roberta" finetune --model "$model" --random-init "${common[@]}" --output "$out/random"
echo "dev set, last epoch (pretrained, then random init):"
tail -n 1 "$out/pretrained/metrics.jsonl"
tail -n 1 "$out/random/metrics.jsonl"
