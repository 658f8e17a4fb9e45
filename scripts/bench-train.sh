#!/usr/bin/env bash
# Training step (forward + backward + AdamW), roberta-base shape, 8 x 128, beside PyTorch's, then the three freezing levels.
# Set-up: apt-get install -y python3-torch libopenblas0-pthread; cp -r ../shared/bench /tmp/anchors
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
anchors="${ANCHORS:-/tmp/anchors}"; threads="${THREADS:-2}"
/usr/bin/python3 "$anchors/torch_train_bench.py" 8 128 "$threads" 2>/dev/null | tail -1
for mask in "--freeze none" "--freeze embeddings,layers:0-9" "--train-only head"; do
  echo "== $mask"
  "$root/roberta" bench --train $mask --batch 8 --seq 128 --threads "$threads" --seconds 10 2>/dev/null
done
