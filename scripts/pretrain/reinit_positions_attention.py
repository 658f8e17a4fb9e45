#!/usr/bin/env python3
"""The weight edit between roberta-mini-en's two pretraining stages (see its model card).

Stage 1 ended order-blind: its attention stayed near uniform and its learned position
embeddings near their random start, so it read its context as a bag of words
(scripts/order-probe.py gave the same loss with the context shuffled). This edit gives the
model a way out of that plateau and keeps everything else it learned:
  - position embeddings: sinusoids (Vaswani et al.) at the word embeddings' scale, so that
    "the token k places away" is a fixed linear map of the position vector from the start;
  - query and key weights of every layer: rescaled to standard deviation 0.06 (from ~0.026),
    so attention logits start far enough from zero for their gradients to take hold;
  - dropout off in config.json for pretraining.
It is still a plain RobertaForMaskedLM with learned absolute positions.

    PY=$(scripts/python-tools.sh) && $PY scripts/pretrain/reinit_positions_attention.py IN_FOLDER OUT_FOLDER
"""
import json
import math
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file

src, dst = sys.argv[1], sys.argv[2]
shutil.copytree(src, dst)
path = dst + "/model.safetensors"
w = load_file(path)
prefix = "roberta." if "roberta.embeddings.word_embeddings.weight" in w else ""
word = w[prefix + "embeddings.word_embeddings.weight"]
rows, dim = w[prefix + "embeddings.position_embeddings.weight"].shape
pos = torch.arange(rows).float().unsqueeze(1)
freq = torch.arange(0, dim, 2).float()
angle = pos / (10000 ** (freq / dim))
table = torch.zeros(rows, dim)
table[:, 0::2], table[:, 1::2] = torch.sin(angle), torch.cos(angle)
# sin and cos have standard deviation 1/sqrt(2): scaled, the table's matches the word embeddings'
w[prefix + "embeddings.position_embeddings.weight"] = (table * word.float().std() * math.sqrt(2)).to(word.dtype).contiguous()
for name in list(w):
    if name.endswith("attention.self.query.weight") or name.endswith("attention.self.key.weight"):
        w[name] = (w[name].float() * (0.06 / w[name].float().std())).to(w[name].dtype).contiguous()
save_file(w, path, metadata={"format": "pt"})
config = json.load(open(dst + "/config.json"))
config["hidden_dropout_prob"] = 0.0
config["attention_probs_dropout_prob"] = 0.0
json.dump(config, open(dst + "/config.json", "w"), indent=2)
