"""Rebuild the shipped model from ../shared/data in one command.

    python scripts/build_default_model.py            # writes work/default/*.jsonl and models/default

Recipe (v1): originals are Wikinews and Wikipedia articles, Europarl pseudo-documents written in
English or translated by humans, and TED talks translated by humans; spun positives come from the
project's WordNet spinner (random sense, 3-15% of words, some with spinner side-effects, some only
partly spun); translated positives are Europarl and TED machine translations. MADLAD is left out of
training: its Europarl output is mostly cut off mid-sentence, so its documents are much shorter.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import time
from pathlib import Path

from tqdm import tqdm

from mtdetect import corpora
from mtdetect.bundle import sha256_file
from mtdetect.data import write_jsonl
from mtdetect.pairs import make_pairs
from mtdetect.rewrite import wordnet_spinner
from mtdetect.training import TrainConfig, summary_lines, train

ROOT = Path(__file__).resolve().parents[1]
SPIN_SHARE = {"wikinews": 0.55, "wikipedia": 0.25}
WIKIPEDIA_LIMIT = 3500
HELD_OUT_SOURCES = ("europarl/madlad",)
# Wikipedia articles past WIKIPEDIA_LIMIT: only for the collocation table, never trained or tested on.
REFERENCE_FILE = "reference.jsonl"


def spinners() -> list:
    out = []
    for rate in (0.03, 0.06, 0.10, 0.15):
        out.append(wordnet_spinner("random_sense", rate))
        out.append(wordnet_spinner("random_sense", rate, side_effect_rate=0.3))
    out.append(wordnet_spinner("random_sense", 0.12, paragraph_share=0.5))
    return out


def chosen(doc_id: str, share: float, seed: int) -> bool:
    h = int.from_bytes(hashlib.sha256(f"spin:{seed}:{doc_id}".encode()).digest()[:8], "big") / 2**64
    return h < share


def build_data(shared: Path, work: Path, seed: int) -> list[Path]:
    work.mkdir(parents=True, exist_ok=True)
    wiki = [
        *corpora.read_wiki(shared / "wikinews" / "train.jsonl", "wikinews"),
        *corpora.read_wiki(shared / "wikipedia" / "train.jsonl", "wikipedia", limit=WIKIPEDIA_LIMIT),
    ]
    to_spin = [d for d in wiki if chosen(d.group, SPIN_SHARE[d.source], seed)]
    spun_ids = set()
    pair_rows = []
    for row in make_pairs(
        tqdm([(d.group, d.text, d.source) for d in to_spin], desc="spinning", file=sys.stderr),
        spinners(),
        seed,
    ):
        spun_ids.add(row["id"])
        pair_rows.append(row)
    singles = [
        {"text": d.text, "label": "original", "id": d.group, "source": d.source}
        for d in wiki
        if d.group not in spun_ids
    ]
    translated = [
        {"text": d.text, "label": d.label, "id": d.group, "source": d.source}
        for d in [
            *corpora.europarl_documents(shared / "europarl", seed=seed),
            *corpora.ted_documents(shared / "ted_zhen" / "segments.jsonl"),
        ]
        if d.source not in HELD_OUT_SOURCES
    ]
    reference = [
        {"text": d.text, "label": "original", "id": d.group, "source": d.source}
        for d in corpora.read_wiki(shared / "wikipedia" / "train.jsonl", "wikipedia")
    ][WIKIPEDIA_LIMIT:]
    paths = [work / "spun_pairs.jsonl", work / "originals.jsonl", work / "translations.jsonl"]
    for path, rows in zip(
        [*paths, work / REFERENCE_FILE], (pair_rows, singles, translated, reference), strict=True
    ):
        print(f"{path}: {write_jsonl(rows, path)} rows", file=sys.stderr)
    return paths


def install(model: Path, target: Path) -> None:
    """Copy the bundle to `target`; for the repo's models/default, also pin its manifest hash."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(model, target)
    if target.resolve() != (ROOT / "models" / "default").resolve():
        return
    digest = sha256_file(target / "manifest.json")
    pin = ROOT / "src" / "mtdetect" / "_default.py"
    text = pin.read_text().split("DEFAULT_MANIFEST_SHA256")[0]
    pin.write_text(f'{text}DEFAULT_MANIFEST_SHA256 = "{digest}"\n')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--head", choices=("gbdt", "logistic"), default="gbdt")
    parser.add_argument("--reference-share", type=float, default=0.45)
    parser.add_argument("--skip-data", action="store_true", help="reuse the JSONL already in --work")
    args = parser.parse_args()
    started = time.time()
    if args.skip_data:
        paths = sorted(p for p in args.work.glob("*.jsonl") if p.name != REFERENCE_FILE)
    else:
        paths = build_data(args.shared, args.work, args.seed)
    config = TrainConfig(
        data=paths,
        out=args.work / args.out.name,
        reference=[args.work / REFERENCE_FILE],
        seed=args.seed,
        head=args.head,
        reference_share=args.reference_share,
    )
    result = train(config)
    print("\n".join(summary_lines(result.metrics)))
    install(args.work / args.out.name, args.out)
    print(f"installed {args.out} in {time.time() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
