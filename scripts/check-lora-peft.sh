#!/usr/bin/env bash
# The LoRA round trip the other way, with real peft: train an adapter here with
#   ./roberta finetune --lora
# on the tiny model, load it in Python with PeftModel.from_pretrained on the transformers model,
# and compare peft's logits with ours (./roberta forward --adapter) within 1e-4; then the same for
# ./roberta merge-adapter's folder loaded by transformers alone, and the last hidden state (which
# the adapter moves) against peft's. Prints PASS or FAIL per check.
#   scripts/check-lora-peft.sh            (needs scripts/python-tools.sh's venv: torch, transformers, peft)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
PY="${PY:-$(scripts/python-tools.sh)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
base=testdata/models/tiny-roberta-mlm
"$PY" - "$work" <<'PY'
import json, sys
good = ["great film", "loved it", "wonderful acting", "a joy"]; bad = ["awful film", "hated it", "terrible acting", "a bore"]
with open(sys.argv[1] + "/train.jsonl", "w") as f:
    for i in range(24):
        f.write(json.dumps({"text": f"{good[i % 4]} number {i}", "label": "pos"}) + "\n")
        f.write(json.dumps({"text": f"{bad[i % 4]} number {i}", "label": "neg"}) + "\n")
with open(sys.argv[1] + "/texts.jsonl", "w") as f:
    for t in ["great film number 3", "hated it, a bore", "wonderful acting and a joy to watch", "terrible"]:
        f.write(json.dumps({"text": t}) + "\n")
PY
status=0
for spec in "r=4,alpha=8,dropout=0.1,targets=query,value" "r=3,alpha=6,dropout=0.1,targets=all-linear,rslora"; do
  run="$work/run-${spec//[^a-z0-9]/_}"
  ./roberta finetune --model "$base" --task seq-cls --train "$work/train.jsonl" --output "$run" --lora "$spec" \
      --epochs 3 --lr 1e-2 --batch-size 8 --device cpu > /dev/null 2> "$work/finetune.log" || { cat "$work/finetune.log"; exit 1; }
  ./roberta forward --model "$base" --adapter "$run/adapter" --input "$work/texts.jsonl" --output "$run/ours.safetensors" --device cpu 2> /dev/null
  ./roberta merge-adapter --model "$base" --adapter "$run/adapter" --output "$run/merged" --device cpu 2> /dev/null
  "$PY" - "$base" "$run" "$spec" <<'PY' || status=1
import json, sys, warnings
warnings.filterwarnings("ignore")
import torch
from safetensors.torch import load_file
from transformers import AutoModelForSequenceClassification
from transformers.utils import logging
from peft import PeftModel
logging.set_verbosity_error()
logging.disable_progress_bar()
base, run, spec = sys.argv[1:4]
ours = load_file(run + "/ours.safetensors")
labels = json.load(open(run + "/adapter/config.json"))["id2label"]
model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=len(labels), attn_implementation="eager", dtype=torch.float32)
peft_model = PeftModel.from_pretrained(model, run + "/adapter").eval()
cfg = peft_model.peft_config["default"]
with torch.no_grad():
    out = peft_model(input_ids=ours["input_ids"], attention_mask=ours["attention_mask"], output_hidden_states=True)
    theirs, states = out.logits, out.hidden_states[-1]
    merged = AutoModelForSequenceClassification.from_pretrained(run + "/merged", attn_implementation="eager", dtype=torch.float32).eval()
    merged_logits = merged(input_ids=ours["input_ids"], attention_mask=ours["attention_mask"]).logits
    plain = AutoModelForSequenceClassification.from_pretrained(base, num_labels=len(labels), dtype=torch.float32).eval()
    moved = (plain.roberta(input_ids=ours["input_ids"], attention_mask=ours["attention_mask"]).last_hidden_state
             - peft_model.base_model.model.roberta(input_ids=ours["input_ids"], attention_mask=ours["attention_mask"]).last_hidden_state).abs().max().item()
ok = True
mask = ours["attention_mask"].bool()
last = max(k for k in ours if k.startswith("hidden_states."))
diff = (states[mask] - ours[last][mask]).abs().max().item()
ok = diff <= 1e-4
print(f"{'PASS' if ok else 'FAIL'} --lora {spec}: peft's last hidden state: max |difference| {diff:.2e} at real tokens (values up to {states[mask].abs().max().item():.2f})")
for what, ref in [("peft PeftModel.from_pretrained", theirs), ("transformers on merge-adapter's folder", merged_logits)]:
    diff = (ref - ours["logits"]).abs().max().item()
    good = diff <= 1e-4
    ok &= good
    print(f"{'PASS' if good else 'FAIL'} --lora {spec}: {what}: max |logit difference| {diff:.2e} over {tuple(ref.shape)} logits up to {ref.abs().max().item():.3f} (r={cfg.r}, "
          f"targets={sorted(cfg.target_modules)}, rslora={cfg.use_rslora}; the adapter moves the encoder's output by {moved:.2e})")
sys.exit(0 if ok else 1)
PY
done
exit $status
