"""Turns the raw sources make-corpus.sh gathered into one paragraph per line (wrapped lines
joined, whitespace runs collapsed), then splits train/held-out by blocks of paragraphs.
usage: corpus.py OUT RAW WORDNET_DIR SOTU_TRAIN.jsonl.gz SPAM_TRAIN.jsonl.gz"""
import gzip, json, os, re, sys

out, raw, wordnet, sotu, spam = sys.argv[1:6]
space = re.compile(r"\s+")


def clean(s):
    return space.sub(" ", s).strip()


def paragraphs(path):
    """Blank-line separated paragraphs of a hard-wrapped text."""
    para = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                para.append(line)
            elif para:
                yield clean(" ".join(para))
                para = []
    if para:
        yield clean(" ".join(para))


def kjv(path):
    """One chapter per paragraph: the 'Genesis 1' headings (after a blank line) and verse numbers dropped."""
    chapter, after_blank = [], True
    verse = re.compile(r"^\s+\d+ ")
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                after_blank = True
                continue
            if after_blank and not line.startswith(" "):
                if chapter:
                    yield clean(" ".join(chapter))
                chapter = []
            else:
                chapter.append(verse.sub("", line))
            after_blank = False
    if chapter:
        yield clean(" ".join(chapter))


def glosses(folder):
    """'lemma, lemma: gloss' for every other WordNet synset (all of them would be a third of the
    corpus, in a dictionary's style); the licence header lines start with spaces."""
    n_seen = 0
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(folder, "data." + pos), encoding="utf-8") as f:
            for line in f:
                if line.startswith(" ") or " | " not in line:
                    continue
                n_seen += 1
                if n_seen % 2:
                    continue
                fields, gloss = line.split(" | ", 1)
                parts = fields.split()
                n = int(parts[3], 16)
                words = [parts[4 + 2 * i].replace("_", " ") for i in range(n)]
                words = [re.sub(r"\(\w+\)$", "", w) for w in words]
                yield clean(", ".join(dict.fromkeys(words)) + ": " + gloss)


def jsonl_text(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield clean(json.loads(line)["text"])


sources = [
    ("Jane Austen, six novels (Debian r-cran-janeaustenr)", "public domain texts; package MIT", paragraphs(os.path.join(raw, "austen.txt"))),
    ("King James Bible (Debian bible-kjv-text)", "public domain", kjv(os.path.join(raw, "kjv.txt"))),
    ("Herman Melville, Moby-Dick (data/mlm)", "public domain", paragraphs(os.path.join(raw, "moby-dick.txt"))),
    ("WordNet 3.0 glosses (Debian wordnet-base)", "WordNet 3.0 licence (free use, with notice)", glosses(wordnet)),
    ("State of the Union passages, training split only (data/sotu)", "public domain (U.S. government works)", jsonl_text(sotu)),
    ("SpamAssassin mails, training split only (data/spam)", "SpamAssassin public corpus, free to use", jsonl_text(spam)),
]
os.makedirs(out, exist_ok=True)
rows = []
with open(os.path.join(out, "train.txt"), "w", encoding="utf-8") as train, \
        open(os.path.join(out, "heldout.txt"), "w", encoding="utf-8") as heldout:
    for name, licence, paras in sources:
        sizes = [0, 0]
        for i, p in enumerate(paras):
            if len(p) < 20:  # headings, chapter numbers
                continue
            held = (i // 10) % 50 == 17
            (heldout if held else train).write(p + "\n")
            sizes[held] += len(p.encode("utf-8")) + 1
        rows.append((name, licence, sizes))
with open(os.path.join(out, "SOURCES.md"), "w", encoding="utf-8") as f:
    f.write("| source | licence | train | held-out |\n|---|---|---|---|\n")
    for name, licence, (t, h) in rows:
        f.write(f"| {name} | {licence} | {t / 1e6:.2f} MB | {h / 1e6:.2f} MB |\n")
    t = sum(r[2][0] for r in rows); h = sum(r[2][1] for r in rows)
    f.write(f"| **all** | | **{t / 1e6:.2f} MB** | **{h / 1e6:.2f} MB** |\n")
print(open(os.path.join(out, "SOURCES.md")).read(), file=sys.stderr)
