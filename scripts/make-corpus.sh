#!/usr/bin/env bash
# Assembles the English pretraining corpus of models/roberta-mini-en from text that may be
# redistributed or used freely: Debian's packages (Jane Austen's novels, the King James Bible,
# WordNet's glosses) plus this repository's Moby-Dick and the TRAINING splits of data/ (never
# dev or test). Writes OUT/train.txt, OUT/heldout.txt (1 in 50 blocks of 10 paragraphs, kept
# apart for held-out masked-LM accuracy) and OUT/SOURCES.md (sizes and licences).
#   scripts/make-corpus.sh OUT            # installs the packages when missing (needs root or sudo)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:?usage: scripts/make-corpus.sh OUT}"
packages="r-cran-janeaustenr bible-kjv wordnet-base"
missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "make-corpus: installing$missing" >&2
  $sudo apt-get install -y -q --no-install-recommends $missing >&2
fi
mkdir -p "$out"
raw="$(mktemp -d)"; trap 'rm -rf "$raw"' EXIT
Rscript -e 'library(janeaustenr); writeLines(austen_books()$text)' > "$raw/austen.txt"
bible Gen1:1-Rev22:21 > "$raw/kjv.txt"
zcat "$root/data/mlm/moby-dick.txt.gz" > "$raw/moby-dick.txt"
sotu="$root/data/sotu/train.jsonl.gz"; [ -f "$sotu" ] || sotu="$root/../shared/data/sotu/train.jsonl.gz"
python3 "$root/scripts/corpus.py" "$out" "$raw" /usr/share/wordnet "$sotu" "$root/data/spam/train.jsonl.gz"
