#!/usr/bin/env bash
# Encoder speed beside ONNX Runtime (Java API), alternating in one run, roberta-base shape, random weights.
# Set-up once (needs Debian's python3-torch for the export):
#   apt-get install -y python3-torch libopenblas0-pthread
#   cp -r ../shared/bench /tmp/anchors && mkdir -p /tmp/fixtures && cp -r ../shared/fixtures/tools /tmp/fixtures/
#   (cd /tmp/anchors && mvn -q dependency:build-classpath -Dmdep.outputFile=cp.txt && /usr/bin/python3 export_onnx.py /tmp/rb.onnx)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java25.sh"; select_java25
anchors="${ANCHORS:-/tmp/anchors}"; onnx="${ONNX:-/tmp/rb.onnx}"; threads="${THREADS:-2}"
"$root/roberta" bench --gemm --seconds 6 --threads "$threads" 2>/dev/null
for round in 1 2; do
  for shape in "8 128" "1 128"; do
    set -- $shape
    "$JAVA_HOME/bin/java" -cp "$(cat "$anchors/cp.txt")" "$anchors/OrtBench.java" "$onnx" "$1" "$2" "$threads" 2>/dev/null | grep onnxruntime
    "$root/roberta" bench --config roberta-base --batch "$1" --seq "$2" --threads "$threads" --seconds 10 2>/dev/null
  done
done
