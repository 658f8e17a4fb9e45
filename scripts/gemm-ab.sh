#!/usr/bin/env bash
# Is the working tree's GEMM faster than a revision's? Times kernels/.../Gemm.java of REV (A) against
# the working tree's (B), product by product in one JVM (scripts/bench/GemmAB.java says why), at
# roberta-base shapes. Usage: scripts/gemm-ab.sh [REV=HEAD] [ROWS=128] [THREADS=1] [ROUNDS=20]
# Prints B/A: above 1 the working tree is faster. Needs the kernels module built (./roberta does it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java25.sh"; select_java25
rev="${1:-HEAD}"; rows="${2:-128}"; threads="${3:-1}"; rounds="${4:-20}"
classes="$root/kernels/target/classes"
[ -f "$classes/roberta/kernels/Gemm.class" ] || { echo "error: $classes has no Gemm.class: build first (mvn -q -DskipTests package, or ./roberta --help)" >&2; exit 1; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/roberta/kernels"
src="kernels/src/main/java/roberta/kernels/Gemm.java"
# A renamed copy: class and constructor names, its own PackedB, and no call into GemmReference (which takes Gemm's PackedB; never reached at these shapes)
rename() {
  sed -e "s/public final class Gemm {/public final class $1 {/" -e "s/private Gemm() {}/private $1() {}/" -e "s/Gemm\.PackedB/$1.PackedB/g" \
      -e "s/GemmReference.sgemm(transA, m, a, aOff, lda, b, bias, c, cOff, ldc, accumulate);/if (m > 0) throw new IllegalStateException(\"the scalar path\");/"
}
git -C "$root" show "$rev:$src" | rename GemmA > "$tmp/src/roberta/kernels/GemmA.java"
rename GemmB < "$root/$src" > "$tmp/src/roberta/kernels/GemmB.java"
"$JAVA_HOME/bin/javac" -nowarn -d "$tmp/out" --add-modules jdk.incubator.vector -cp "$classes" \
  "$tmp/src/roberta/kernels/GemmA.java" "$tmp/src/roberta/kernels/GemmB.java" "$root/scripts/bench/GemmAB.java" 2>&1 | grep -v -i "warning" >&2 || true
[ -f "$tmp/out/roberta/kernels/GemmAB.class" ] || { echo "error: the two copies did not compile (see above)" >&2; exit 1; }
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Droberta.threads="$threads" -cp "$tmp/out:$classes" roberta.kernels.GemmAB "$rows" "$rounds" 2>&1 | grep -v "^WARNING: Using incubator"
