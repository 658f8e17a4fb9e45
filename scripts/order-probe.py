#!/usr/bin/env python3
"""Does a masked-LM use word order? Masks 15% of the tokens of held-out passages (fixed seed)
and scores the masked tokens three ways, in Hugging Face transformers: with the real context,
with the other tokens shuffled among their positions (the same bag of words, order lost), and
with every other token masked too (no context). A model that reads order does clearly worse
on the shuffled context; one that only counts words scores the same on both.

    PY=$(scripts/python-tools.sh) && $PY scripts/order-probe.py models/roberta-mini-en /tmp/corpus/heldout.txt
"""
import random
import sys

import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

folder, heldout = sys.argv[1], sys.argv[2]
passages = int(sys.argv[3]) if len(sys.argv) > 3 else 300
tok = AutoTokenizer.from_pretrained(folder)
model = AutoModelForMaskedLM.from_pretrained(folder, dtype=torch.float32).eval()
lines = [l.strip() for l in open(heldout, encoding="utf-8") if len(l.split()) > 12][:passages]
rng = random.Random(0)
loss = {"real context": 0.0, "shuffled context": 0.0, "no context": 0.0}
hits = dict.fromkeys(loss, 0)
count = 0
with torch.no_grad():
    for line in lines:
        ids = tok(line, truncation=True, max_length=128)["input_ids"]
        if len(ids) < 10:
            continue
        inner = range(1, len(ids) - 1)
        masked = set(rng.sample(list(inner), max(1, len(inner) * 15 // 100)))
        real = [tok.mask_token_id if i in masked else t for i, t in enumerate(ids)]
        rest = [real[i] for i in inner if i not in masked]
        rng.shuffle(rest)
        it = iter(rest)
        shuffled = [t if (i == 0 or i == len(ids) - 1 or i in masked) else next(it) for i, t in enumerate(real)]
        blank = [t if (i == 0 or i == len(ids) - 1) else tok.mask_token_id for i, t in enumerate(ids)]
        for name, seq in (("real context", real), ("shuffled context", shuffled), ("no context", blank)):
            logp = torch.log_softmax(model(torch.tensor([seq])).logits[0], -1)
            for p in masked:
                loss[name] -= logp[p, ids[p]].item()
                hits[name] += int(logp[p].argmax().item() == ids[p])
        count += len(masked)
print(f"{count} masked tokens in {len(lines)} passages")
for name in loss:
    print(f"{name:18s} loss {loss[name] / count:.3f}  accuracy {hits[name] / count:.1%}")
