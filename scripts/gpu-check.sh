#!/usr/bin/env bash
# The GPU checks, in one command, for a machine with an NVIDIA GPU, its driver (libcuda.so.1)
# and the CUDA 13 libraries (libcudart.so.13, libcublas*.so.13, libnvrtc.so.13) on the loader path:
#   scripts/gpu-check.sh            # everything below, then a summary; exit 1 if any step failed
# Steps, each timed and logged under target/gpu-check/:
#   1. probe:     what CudaProbe sees (device name and compute capability, or why not)
#   2. contract:  GpuCudaDeviceContractTest (BackendContract on CudaBackend over JavaCppDevice)
#   3. fixtures:  GpuFixtureTest (forward vs Hugging Face, loss and gradients, --device cuda; --tf32 within 1e-2)
#   4. cli:       ./roberta embed and fill-mask on a fixture with --device cuda, embed again with --tf32
#   5. bench:     ./roberta bench --device cuda beside PyTorch on the same GPU (scripts/bench/torch_gpu_bench.py:
#                 transformers' RoBERTa when installed, else an eager PyTorch one), roberta-base shapes, random
#                 weights, fp32, batch 32 x 128: forward and a training step, each timed twice, alternately
#                 (ours, torch, ours, torch); the summary gives the sequences/s and our/torch ratio
#                 (PYTHON=... names the python with torch; default python3)
# The Gpu*Test classes are excluded from the default build (pom.xml: surefire excludes
# **/Gpu*Test.java), so CI never skips them silently: they run only here, via -Dtest.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/java25.sh"
select_java25
cd "$root"
logs="$root/target/gpu-check"; mkdir -p "$logs"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/cuda/lib64:/usr/local/cuda/lib"
summary=(); failed=0
step() { # name, command...
  local name="$1"; shift
  local t0=$SECONDS
  echo "== $name: $*" >&2
  if "$@" >"$logs/$name.log" 2>&1; then summary+=("PASS  $name ($((SECONDS - t0)) s)")
  else summary+=("FAIL  $name ($((SECONDS - t0)) s): see $logs/$name.log"); failed=1; tail -30 "$logs/$name.log" >&2; fi
}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,compute_cap,memory.total --format=csv,noheader >&2

mvn -B -ntp -q install -DskipTests >"$logs/build.log" 2>&1 || { cat "$logs/build.log" >&2; echo "gpu-check: build failed" >&2; exit 1; }
lib="$root/cli/target/lib/*:$root/kernels/target/classes"
step probe "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$lib" roberta.kernels.cuda.CudaProbe
# -DskipScalarTwins: the kernels' second surefire run (scalar twins) would run the GPU test again
step contract mvn -B -ntp -pl kernels test -Dtest='Gpu*Test' -Dsurefire.failIfNoSpecifiedTests=false -DskipScalarTwins=true
step fixtures mvn -B -ntp -pl engine test -Dtest='Gpu*Test' -Dsurefire.failIfNoSpecifiedTests=false
m="$root/testdata/models/tiny-roberta-mlm"
out="$(mktemp -d)"
step cli-embed ./roberta embed --model "$m" --input "$m/inputs.jsonl" --output "$out/v.safetensors" --device cuda
step cli-fill-mask ./roberta fill-mask --model "$m" "a <mask>" --device cuda
step cli-embed-tf32 ./roberta embed --model "$m" --input "$m/inputs.jsonl" --output "$out/t.safetensors" --device cuda --tf32
rm -rf "$out"
py="${PYTHON:-python3}"
has_torch=1; "$py" -c 'import torch' >/dev/null 2>&1 || { has_torch=0; summary+=("SKIP  bench-*-torch: $py has no torch (PYTHON=... names one that has)"); }
sps() { grep '"sequences_per_second"' "$1" | tail -1 | sed -n 's/.*"sequences_per_second": *\([-0-9.eE+]*\).*/\1/p'; } # the JSON line's figure (E notation too)
for mode in inference train; do
  flag=""; [ "$mode" = train ] && flag="--train"
  for round in 1 2; do
    step "bench-$mode-ours-$round" ./roberta bench --config roberta-base --device cuda --batch 32 --seq 128 --seconds 5 --json $flag
    [ "$has_torch" = 1 ] || continue
    step "bench-$mode-torch-$round" "$py" scripts/bench/torch_gpu_bench.py --batch 32 --seq 128 --seconds 5 $flag
    o="$(sps "$logs/bench-$mode-ours-$round.log")"; t="$(sps "$logs/bench-$mode-torch-$round.log")"
    if [ -n "$o" ] && [ -n "$t" ]; then
      summary+=("$(awk -v m="$mode" -v r="$round" -v o="$o" -v t="$t" 'BEGIN { printf "      %s 32x128, round %s: ours %.1f seq/s, torch %.1f seq/s, ratio %.2fx", m, r, o, t, (t > 0 ? o / t : 0) }') ($(grep '"anchor"' "$logs/bench-$mode-torch-$round.log" | tail -1 | sed -n 's/.*"anchor": *"\([^"]*\)".*/\1/p'))")
    fi
  done
done

echo
echo "gpu-check summary ($(date -u +%FT%TZ)):"
printf '  %s\n' "${summary[@]}"
exit $failed
