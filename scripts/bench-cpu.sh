#!/usr/bin/env bash
# Encoder speed beside ONNX Runtime (Java API), alternating in one run, roberta-base shape, random weights.
# scripts/bench-all.sh measures every row against both anchors with ratios; this is the short ONNX Runtime-only loop.
# Set-up: made once by scripts/bench/anchors.sh (the anchors' jars, the ONNX export).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java25.sh"; select_java25
. "$root/scripts/bench/anchors.sh"; setup_onnx
threads="${THREADS:-2}"
"$root/roberta" bench --gemm --seconds 6 --threads "$threads" 2>/dev/null
for round in 1 2; do
  for shape in "8 128" "1 128"; do
    set -- $shape
    "$JAVA_HOME/bin/java" -cp "$(cat "$anchors/cp.txt")" "$anchors/OrtBench.java" "$onnx" "$1" "$2" "$threads" 2>/dev/null | grep onnxruntime
    "$root/roberta" bench --config roberta-base --batch "$1" --seq "$2" --threads "$threads" --seconds 10 2>/dev/null
  done
done
