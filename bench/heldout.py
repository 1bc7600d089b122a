"""Held-out test sets shared by the accuracy and generalisation benchmarks.

- Spinner and Apertium families rewrite Wikinews *dev* articles (never used for training); their human
  counterpart is the untouched dev articles.
- Europarl and TED systems: the family's texts in the validation split of the built training data, with
  the human texts (originals and human translations) of the same corpus in that split. MADLAD's Europarl
  output, never trained on, is read straight from ../shared.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from build_default_model import REFERENCE_FILE, SPLITS, SURPRISAL_CACHE, WIKIPEDIA_LIMIT  # noqa: E402, F401

from mtdetect.training import corpora  # noqa: E402
from mtdetect.training.data import assign_split, iter_jsonl  # noqa: E402
from mtdetect.training.pairs import REWRITERS, build_rewriters, family_of, make_pairs  # noqa: E402

CORPUS_FAMILIES = {
    "europarl/deepl": "europarl",
    "europarl/google_translate": "europarl",
    "europarl/nllb": "europarl",
    "europarl/m2m100": "europarl",
    "europarl/madlad": "europarl",
    "ted/mt": "ted",
}
SPINNER_FAMILIES = (
    "wordnet-random",
    "wordnet-first",
    "wordnet-frequent",
    "thesaurus-frequency",
    "thesaurus-listed",
)
MT_FAMILIES = ("apertium-spa", "apertium-cat", "apertium-glg", "apertium-epo", "apertium-hbs")
ALL_FAMILIES = (*SPINNER_FAMILIES, *MT_FAMILIES, *CORPUS_FAMILIES)


def row_family(row: dict) -> str | None:
    """The generator family of a training row (None for human text)."""
    generator = row.get("generator")
    if not generator:
        return None
    if generator.startswith("ted/"):
        return "ted/mt"
    return generator if "/" in generator else family_of(generator)


def dev_originals(shared: Path) -> list[tuple[str, str, str]]:
    return [(r["id"], r["text"], "wikinews-dev") for r in iter_jsonl(shared / "wikinews" / "dev.jsonl")]


def family_texts(family: str, shared: Path, work: Path, seed: int = 0) -> tuple[list[str], list[str]]:
    """(human, rewritten) texts for one held-out family."""
    if family not in CORPUS_FAMILIES:
        docs = dev_originals(shared)
        names = [n for n in REWRITERS if family_of(n) == family]
        rows = list(make_pairs(docs, build_rewriters(names), seed=1))
        return [t for _, t, _ in docs], [r["rewritten"] for r in rows]
    corpus = CORPUS_FAMILIES[family]
    human, machine = [], []
    for r in iter_jsonl(work / "translations.jsonl"):
        if assign_split(r["id"], SPLITS, seed) != "val" or not r["source"].startswith(corpus):
            continue
        if r["label"] == "original":
            human.append(r["text"])
        elif row_family(r) == family:
            machine.append(r["text"])
    if family == "europarl/madlad":
        machine = [
            d.text
            for d in corpora.europarl_documents(shared / "europarl", seed=seed)
            if d.source == "europarl/madlad"
        ]
    return human, machine


def human_controls(shared: Path, work: Path, seed: int = 0) -> dict[str, list[str]]:
    """Human texts the model never trained on, by kind, for false-positive rates."""
    controls: dict[str, list[str]] = {"Wikinews dev originals": [t for _, t, _ in dev_originals(shared)]}
    val = [r for r in iter_jsonl(work / "originals.jsonl") if assign_split(r["id"], SPLITS, seed) == "val"]
    controls["Wikipedia originals (validation split)"] = [
        r["text"] for r in val if r["source"] == "wikipedia"
    ]
    human_mt = [
        r
        for r in iter_jsonl(work / "translations.jsonl")
        if r["label"] == "original"
        and "human_translation" in r["source"]
        and assign_split(r["id"], SPLITS, seed) == "val"
    ]
    controls["Europarl human translations (validation split)"] = [
        r["text"] for r in human_mt if r["source"].startswith("europarl")
    ]
    controls["TED human translations (validation split)"] = [
        r["text"] for r in human_mt if r["source"].startswith("ted")
    ]
    return controls
