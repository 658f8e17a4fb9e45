#!/usr/bin/env python3
"""State of the Union passages (data/sotu) as a party classification task: {"text", "label": party}.

  scripts/sotu-party.py IN.jsonl.gz OUT.jsonl [--sample N] [--half all|first|second] [--seed S]

--sample keeps a random N passages (seeded); --half keeps one half of a seeded shuffle (the compare
evidence splits the dev set's held-out speeches into eval and test this way).
Standard library only.
"""
import argparse, gzip, json, random

p = argparse.ArgumentParser()
p.add_argument("input")
p.add_argument("output")
p.add_argument("--sample", type=int, default=0)
p.add_argument("--half", choices=["all", "first", "second"], default="all")
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
with gzip.open(a.input, "rt", encoding="utf-8") as f:
    rows = [json.loads(line) for line in f if line.strip()]
if a.half != "all":
    random.Random(a.seed).shuffle(rows)
    rows = rows[: len(rows) // 2] if a.half == "first" else rows[len(rows) // 2 :]
if a.sample and a.sample < len(rows):
    rows = random.Random(a.seed).sample(rows, a.sample)
with open(a.output, "w", encoding="utf-8") as o:
    for r in rows:
        o.write(json.dumps({"text": r["text"], "label": r["party"]}) + "\n")
print(f"{a.output}: {len(rows)} passages")
