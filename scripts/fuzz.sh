#!/usr/bin/env bash
# Runs the fuzz suites (loader, tokenizer, the CLI's input readers) for longer than CI does.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [SEED]     (defaults: 60, a fresh random seed)
# There are 6 file targets (4 loader, 2 tokenizer) plus the input readers and commands (InputsFuzzTest),
# so the run takes about 8 x SECONDS plus the build.
# Each target prints a tally: inputs tried, accepted, rejected and in how many distinct ways.
# A defect prints the seed and case index; replay exactly that case (with its stack trace) by:
#   mvn -B -ntp -q -pl loader -am test -Dtest=LoaderFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Droberta.fuzz.seed=S -Droberta.fuzz.case=I
# -Droberta.fuzz.verbose=true lists every kind of rejection message. Both modules run even if one fails (-fae).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java25.sh"
select_java25
seconds="${1:-60}"
seed="${2:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"
echo "fuzzing ${seconds}s per target with seed $seed"
cd "$root"
exec mvn -B -ntp -q -fae -pl loader,tokenizer,cli -am test -Dtest='LoaderFuzzTest,TokenizerFuzzTest,InputsFuzzTest' -Dsurefire.failIfNoSpecifiedTests=false \
    -Droberta.fuzz.seconds="$seconds" -Droberta.fuzz.seed="$seed" -Droberta.fuzz.case.ms=30000 "${@:3}"
