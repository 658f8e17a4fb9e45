# Sourced by ./roberta: a Java heap limit chosen from the model and the machine.
# The JVM's default (a quarter of RAM) lets the serial collector grow the heap far past what
# the engine needs (a 13 MB model's fine-tuning reached 6.3 GB, and ran 40% slower than in
# 1 GB). So: the model's weights as float32 (S), times what the command keeps per weight
# (inference: packed weights + embeddings ~2S; training: weights, gradients, two AdamW moments
# ~4S, plus the activations kept for backward), plus 1 GB of headroom; at least
# 1 GB, at most 3/4 of the machine's memory. Prints nothing when it cannot tell (no --model
# folder) or when ROBERTA_JAVA_OPTS already sets the heap.
# Activations follow the shape, not the weights: per token and layer about 10 H-wide rows, 3
# I-wide rows and 2 rows of attention probabilities per head (H=256, I=1024, 4 layers, 4 heads:
# 870 MB estimated for 64 x 128 tokens, 756 MB measured; roberta-base 8 x 128: 980 MB, 837 MB
# measured), plus masked-LM logits and their gradient (15% of the tokens x the vocabulary).
# Without a readable config.json: 1.7S per 1024 tokens.

# Bytes of the model's safetensors, doubled for F16/BF16 checkpoints (the engine trains in F32).
model_f32_bytes() {
  local dir="$1" total=0 f size
  for f in "$dir"/*.safetensors; do
    [ -f "$f" ] || continue
    size=$(stat -Lc %s "$f" 2>/dev/null || echo 0)
    if head -c 65536 "$f" 2>/dev/null | grep -aqE '"dtype" *: *"(B?F16)"'; then size=$((size * 2)); fi
    total=$((total + size))
  done
  echo "$total"
}

# A config.json number (empty if absent).
config_int() { grep -o "\"$2\" *: *[0-9]*" "$1" 2>/dev/null | head -1 | grep -o '[0-9]*$'; }

# Bytes of float32 weights a --random-init model will have: its sizes from the flags, else config.json.
random_init_bytes() {
  local cfg="$1" h="${2:-$(config_int "$1" hidden_size)}" l="${3:-$(config_int "$1" num_hidden_layers)}" i="${4:-$(config_int "$1" intermediate_size)}"
  local v p; v=$(config_int "$cfg" vocab_size); p=$(config_int "$cfg" max_position_embeddings)
  case "$h$l$i$v$p" in *[!0-9]*|"") return 0 ;; esac
  echo $(( 4 * (v * h + p * h + l * (4 * h * h + 2 * h * i)) ))
}

# Megabytes of activations a training step keeps for TOKENS tokens of LENGTH: config.json's shape,
# the --hidden/--layers/--intermediate/--heads flags overriding; empty when it cannot tell.
activation_mb() {
  local cfg="$1" tokens="$2" length="$3" mlm="$4" h="${5:-$(config_int "$1" hidden_size)}" l="${6:-$(config_int "$1" num_hidden_layers)}"
  local i="${7:-$(config_int "$1" intermediate_size)}" heads="${8:-$(config_int "$1" num_attention_heads)}" v
  v=$(config_int "$cfg" vocab_size)
  case "$h$l$i$heads$v" in *[!0-9]*|"") return 0 ;; esac
  local per_token=$(( 4 * l * (10 * h + 3 * i + 2 * heads * length) ))
  [ "$mlm" = 1 ] && per_token=$(( per_token + 8 * v * 15 / 100 ))
  echo $(( tokens * per_token / 1048576 + 1 ))
}

# Megabytes of compare's cached features: (layers + 2) x H floats per line of the data files.
feature_mb() {
  local cfg="$1" h l lines=0 f n; shift
  h=$(config_int "$cfg" hidden_size); l=$(config_int "$cfg" num_hidden_layers)
  case "$h$l" in *[!0-9]*|"") echo 0; return 0 ;; esac
  for f in "$@"; do
    [ -f "$f" ] || continue
    n=$(gzip -cdf "$f" 2>/dev/null | wc -l || echo 0)
    lines=$((lines + n))
  done
  echo $(( lines * (l + 2) * h * 4 / 1048576 + 1 ))
}

# Echoes -Xmx<N>m for: subcommand and its arguments.
choose_heap() {
  # the user's own heap settings win (an -Xms above our -Xmx would stop the JVM from starting)
  case "${ROBERTA_JAVA_OPTS:-}" in *-Xmx*|*-Xms*|*MaxRAM*|*MaxHeapSize*|*InitialHeapSize*|*InitialRAMPercentage*) return 0 ;; esac
  local cmd="" model="" batch=16 length=128 train=0 prev="" random=0 hidden="" layers="" inter="" heads="" mlm=0 data=()
  for a in "$@"; do
    case "$prev" in
      --model) model="$a" ;;
      --batch-size|--batch) batch="$a" ;;
      --max-length|--seq) length="$a" ;;
      --hidden) hidden="$a" ;;
      --layers) layers="$a" ;;
      --intermediate) inter="$a" ;;
      --heads) heads="$a" ;;
      --task) [ "$a" = mlm ] && mlm=1 ;;
      --train|--eval|--test) data+=("$a") ;;
    esac
    case "$a" in
      --model=*) model="${a#--model=}" ;;
      --batch-size=*|--batch=*) batch="${a#*=}" ;;
      --max-length=*|--seq=*) length="${a#*=}" ;;
      --hidden=*) hidden="${a#*=}" ;;
      --layers=*) layers="${a#*=}" ;;
      --intermediate=*) inter="${a#*=}" ;;
      --heads=*) heads="${a#*=}" ;;
      --task=mlm) mlm=1 ;;
      --train) train=1 ;;
      --random-init) random=1 ;;
      -*) ;;
      *) [ -z "$cmd" ] && [ -z "$prev" -o "${prev#-}" = "$prev" ] && cmd="$a" ;;
    esac
    prev="$a"
  done
  [ -n "$model" ] && [ -d "$model" ] || return 0
  case "$batch$length" in *[!0-9]*|"") return 0 ;; esac
  [ "$length" -gt 0 ] || length=512
  local s mb mem_mb tokens_k
  if [ "$random" = 1 ]; then s=$(random_init_bytes "$model/config.json" "$hidden" "$layers" "$inter"); else s=$(model_f32_bytes "$model"); fi
  [ -n "$s" ] || return 0
  mb=$((s / 1048576 + 1))
  tokens_k=$(( (batch * length + 1023) / 1024 ))
  local act
  act=$(activation_mb "$model/config.json" $((batch * length)) "$length" "$mlm" "$hidden" "$layers" "$inter" "$heads")
  [ -n "$act" ] || act=$((17 * mb * tokens_k / 10))
  case "$cmd" in
    finetune|grad|evaluate) mb=$((4 * mb + act + 1024)) ;;
    # compare fine-tunes too, and keeps every layer's features of every example (mean and <s>)
    compare) mb=$((4 * mb + act + $(feature_mb "$model/config.json" "${data[@]}") + 1024)) ;;
    bench) if [ "$train" = 1 ]; then mb=$((4 * mb + act + 1024)); else mb=$((2 * mb + 1024)); fi ;;
    *) mb=$((2 * mb + 1024)) ;;
  esac
  mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo 2>/dev/null || echo 0)
  [ "$mb" -ge 1024 ] || mb=1024
  if [ "$mem_mb" -gt 0 ] && [ "$mb" -gt $((mem_mb * 3 / 4)) ]; then mb=$((mem_mb * 3 / 4)); fi
  echo "-Xmx${mb}m"
}
