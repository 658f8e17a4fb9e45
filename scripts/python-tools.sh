#!/usr/bin/env bash
# Python tooling for checks that need an independent implementation (fixture generation,
# anchors): a venv OUTSIDE the repository, made once, never committed.
#   scripts/python-tools.sh            # creates/updates it, prints its python
#   PY=$(scripts/python-tools.sh) && "$PY" -c 'import transformers'
# Location: $ROBERTA_PY_VENV, default ~/.cache/roberta-java/py. Packages: $ROBERTA_PY_PACKAGES
# (default: torch transformers safetensors tokenizers peft sentence-transformers onnxruntime).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ROBERTA_PY_VENV:-$HOME/.cache/roberta-java/py}"
mkdir -p "$(dirname "$venv")"
venv="$(cd "$(dirname "$venv")" && pwd)/$(basename "$venv")"
case "$venv/" in "$root"/*) echo "error: $venv is inside the repository; choose ROBERTA_PY_VENV elsewhere" >&2; exit 1 ;; esac
packages="${ROBERTA_PY_PACKAGES:-torch transformers safetensors tokenizers peft sentence-transformers onnxruntime}"
if [ ! -x "$venv/bin/python" ]; then
  echo "python-tools: creating $venv" >&2
  python3 -m venv "$venv" >&2
fi
stamp="$venv/.roberta-packages"
if [ "$(cat "$stamp" 2>/dev/null)" != "$packages" ]; then
  echo "python-tools: installing $packages" >&2
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q $packages >&2
  echo "$packages" > "$stamp"
fi
echo "$venv/bin/python"
