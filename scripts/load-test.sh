#!/usr/bin/env bash
# Load test against a running `./roberta serve`: one client, then CLIENTS concurrent ones, each
# for SECONDS; prints p50/p99 latency, throughput, failures and 429s for both.
#   scripts/load-test.sh [URL] [CLIENTS] [SECONDS]      (default http://127.0.0.1:8080/embed 32 30)
# $ROBERTA_API_KEY, when set, is sent as the bearer key.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java25.sh"
select_java25
"$root/roberta" --version >/dev/null # builds the jar when sources changed
exec "$JAVA_HOME/bin/java" -cp "$root/cli/target/roberta-cli.jar:$root/cli/target/lib/*" roberta.cli.serve.LoadTest \
  "${1:-http://127.0.0.1:8080/embed}" "${2:-32}" "${3:-30}"
