# Sourced by the bench scripts: sets up the anchors of ../shared/bench once, idempotently.
#   setup_anchors  sets work ($BENCH_WORK, default /tmp/bench-all) and anchors: a writable copy of
#                  ../shared/bench with cp.txt (the ONNX Runtime and DJL tokenizers jars)
#   setup_onnx     also sets py (the tools venv's python, scripts/python-tools.sh: torch,
#                  transformers, onnx) and onnx: the roberta-base-shaped encoder, random weights
# Needs $root (the repository) set by the caller.
# The first call needs the network once (the anchors' jars); later calls only check files.
bench_log() { echo "bench: $*" >&2; }

setup_anchors() {
  local shared="${SHARED:-$root/../shared}"
  work="${BENCH_WORK:-/tmp/bench-all}"; anchors="$work/anchors"
  mkdir -p "$work"
  if [ ! -s "$anchors/cp.txt" ]; then
    bench_log "copying the anchors to $anchors and resolving their jars"
    rm -rf "$anchors"; cp -r "$shared/bench" "$anchors"; chmod -R u+w "$anchors" # the shared folder is read-only
    mkdir -p "$work/fixtures"; rm -rf "$work/fixtures/tools"; cp -r "$shared/fixtures/tools" "$work/fixtures/" # export_onnx.py imports ../fixtures/tools
    (cd "$anchors" && mvn -q -B dependency:build-classpath -Dmdep.outputFile=cp.txt.part >&2 && mv cp.txt.part cp.txt)
  fi
}

setup_onnx() {
  setup_anchors
  onnx="$work/roberta-base-random.onnx"
  py="$("$root/scripts/python-tools.sh")"
  "$py" -c 'import onnx' 2>/dev/null || { bench_log "installing onnx into $py's venv (the exporter needs it)"; "$py" -m pip install -q onnx >&2; }
  if [ ! -s "$onnx" ]; then
    bench_log "exporting the ONNX encoder to $onnx"
    # the TorchScript exporter (what the anchor was written for); torch 2.9+ defaults to the dynamo one, which needs onnxscript
    "$py" -c 'import sys, runpy, torch
export = torch.onnx.export
torch.onnx.export = lambda *a, **k: export(*a, dynamo=False, **k)
sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name="__main__")' "$anchors/export_onnx.py" "$onnx.part" > "$work/export.log" 2>&1 \
      || { cat "$work/export.log" >&2; return 1; }
    mv "$onnx.part" "$onnx"
  fi
}
