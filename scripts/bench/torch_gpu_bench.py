"""PyTorch beside `./roberta bench --device cuda`: the same roberta-base-shaped model (random
weights, fp32, TF32 off unless --tf32), the same batch and sequence length, on the same GPU.

    python3 torch_gpu_bench.py [--train] [--tf32] [--batch 32] [--seq 128] [--seconds 5] [--device cuda]

Prints one JSON line: {"anchor": ..., "mode": "inference"|"train", "sequences_per_second": ...}.
The model is transformers' RobertaModel / RobertaForSequenceClassification when transformers is
installed (what users compare against); otherwise a self-contained eager PyTorch RoBERTa below
(the same operations, written from the architecture), named in "anchor". --train times forward,
cross-entropy, backward and AdamW of a 2-label classifier, as `./roberta bench --train` does,
dropout 0.1 on the hidden states, the attention probabilities and the head (roberta-base's, which
`bench --train` trains with).
Timing synchronises the device around each timed run (CUDA launches are asynchronous).
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

BASE = dict(vocab=50265, hidden=768, layers=12, heads=12, intermediate=3072, positions=514)
DROPOUT = 0.1  # roberta-base's; dropout is active only in train mode (model.eval() turns it off)


class EagerRoberta(torch.nn.Module):
    """RoBERTa's encoder plus a classification head on <s>, in plain PyTorch (post-LN, GELU, dropout where BERT has it)."""

    def __init__(self, c, labels=2):
        super().__init__()
        h, i = c["hidden"], c["intermediate"]
        self.heads = c["heads"]
        self.word = torch.nn.Embedding(c["vocab"], h)
        self.position = torch.nn.Embedding(c["positions"], h)
        self.token_type = torch.nn.Embedding(1, h)
        self.embed_norm = torch.nn.LayerNorm(h, eps=1e-5)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["layers"]):
            self.layers.append(torch.nn.ModuleDict(dict(
                qkv=torch.nn.Linear(h, 3 * h), out=torch.nn.Linear(h, h), norm1=torch.nn.LayerNorm(h, eps=1e-5),
                up=torch.nn.Linear(h, i), down=torch.nn.Linear(i, h), norm2=torch.nn.LayerNorm(h, eps=1e-5))))
        self.dense = torch.nn.Linear(h, h)
        self.classifier = torch.nn.Linear(h, labels)

    def forward(self, ids):
        b, t = ids.shape
        pos = torch.arange(2, t + 2, device=ids.device)  # padding_idx 1 + 1, no padding here
        drop = lambda y: F.dropout(y, DROPOUT, self.training)
        x = drop(self.embed_norm(self.word(ids) + self.position(pos)[None] + self.token_type.weight[0]))
        d = x.shape[-1] // self.heads
        for L in self.layers:
            q, k, v = L["qkv"](x).view(b, t, 3, self.heads, d).permute(2, 0, 3, 1, 4)
            p = drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1))
            ctx = (p @ v).transpose(1, 2).reshape(b, t, -1)
            x = L["norm1"](x + drop(L["out"](ctx)))
            x = L["norm2"](x + drop(L["down"](F.gelu(L["up"](x)))))
        return x, self.classifier(drop(torch.tanh(self.dense(drop(x[:, 0])))))


def build(train, device):
    try:
        from transformers import RobertaConfig, RobertaForSequenceClassification, RobertaModel
        cfg = RobertaConfig(vocab_size=BASE["vocab"], hidden_size=BASE["hidden"], num_hidden_layers=BASE["layers"],
                            num_attention_heads=BASE["heads"], intermediate_size=BASE["intermediate"],
                            max_position_embeddings=BASE["positions"], type_vocab_size=1, num_labels=2,
                            hidden_dropout_prob=DROPOUT, attention_probs_dropout_prob=DROPOUT)
        import transformers
        model = (RobertaForSequenceClassification if train else RobertaModel)(cfg)
        name = f"transformers {transformers.__version__} on torch {torch.__version__}"

        def run(ids, labels):
            return model(input_ids=ids, labels=labels).loss if train else model(input_ids=ids).last_hidden_state
    except Exception:  # not installed, or installed but failing to import: the eager model times the same work
        model = EagerRoberta(BASE)
        name = f"eager PyTorch RoBERTa (no transformers) on torch {torch.__version__}"

        def run(ids, labels):
            hidden, logits = model(ids)
            return F.cross_entropy(logits, labels) if train else hidden
    return model.to(device), run, name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--tf32", action="store_true")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--device", default="cuda")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    dev = torch.device(a.device)
    torch.manual_seed(0)
    model, run, name = build(a.train, dev)
    ids = torch.randint(4, BASE["vocab"], (a.batch, a.seq), device=dev)
    ids[:, 0] = 0  # <s>
    labels = torch.randint(0, 2, (a.batch,), device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    if a.train:
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-5)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = run(ids, labels)
            loss.backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.inference_mode():
                run(ids, labels)
    for _ in range(3):
        step()
    sync()
    n, t0 = 0, time.perf_counter()
    while True:
        step()
        n += 1
        if n % 5 == 0:
            sync()
            if time.perf_counter() - t0 >= a.seconds:
                break
    dt = (time.perf_counter() - t0) / n
    print(json.dumps(dict(anchor=name, device=str(dev), tf32=a.tf32, mode="train" if a.train else "inference",
                          batch=a.batch, seq=a.seq, sequences_per_second=a.batch / dt, ms_per_batch=dt * 1000)))


if __name__ == "__main__":
    main()
