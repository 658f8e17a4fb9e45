#!/usr/bin/env bash
# Tokenizer speed beside the Rust tokenizers anchor (through DJL), same file, same run.
# The anchors' classpath is made once by scripts/bench/anchors.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java25.sh"; select_java25
. "$root/scripts/bench/anchors.sh"; setup_anchors
data="${1:-/tmp/bench/corpus.txt}"
tok="$root/tokenizer/src/test/resources/tokenizer"
if [ ! -f "$data" ]; then
  mkdir -p "$(dirname "$data")"
  # Moby-Dick, State of the Union passages and SpamAssassin mail: about 12 MB
  { zcat "$root/../shared/data/mlm/moby-dick.txt.gz"
    for f in sotu/train spam/train; do zcat "$root/../shared/data/$f.jsonl.gz" | python3 -c 'import sys,json
for l in sys.stdin: print(json.loads(l)["text"].replace("\n"," "))'; done; } > "$data"
fi
for round in 1 2; do
  "$JAVA_HOME/bin/java" -cp "$(cat "$anchors/cp.txt")" "$anchors/TokBench.java" "$tok/tokenizer.json" "$data" 2>/dev/null | grep hf-
  "$root/roberta" bench-tokenizer --model "$tok" --input "$data" 2>/dev/null
done
