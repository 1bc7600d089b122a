"""Turn human originals into labelled (original, rewritten) training pairs with the project's rewriters.

Each original is assigned one rewriter, drawn with a seeded RNG, and gets a per-document seed
derived from the run seed and its id, so the output is identical run after run and one document's
rewrite does not depend on which others are in the batch. Rewriters with a `rewrite_many` method
(round-trip MT, which pays a process start per call) get all their documents in one batch.

`REWRITERS` names the generators `mtdetect make-pairs` offers; each is built only when asked for,
because most need an optional system resource (WordNet, the Mythes thesaurus, Apertium).
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from mtdetect.batch.documents import find_files, read_document
from mtdetect.training.data import iter_jsonl
from mtdetect.training.rewrite import Rewrite, Rewriter

SPIN_RATES = (0.03, 0.06, 0.10, 0.15, 0.22, 0.30)
log = logging.getLogger(__name__)


def _wordnet(
    strategy: str, rate: float, side_effects: float = 0.0, paragraph_share: float = 1.0
) -> Callable[[], Rewriter]:
    def build() -> Rewriter:
        from mtdetect.training.rewrite import wordnet_spinner

        return wordnet_spinner(  # type: ignore[arg-type]
            strategy, rate, side_effect_rate=side_effects, paragraph_share=paragraph_share
        )

    return build


def _thesaurus(rank: str, rate: float, side_effects: float = 0.0) -> Callable[[], Rewriter]:
    def build() -> Rewriter:
        from mtdetect.training.rewrite import thesaurus_spinner

        return thesaurus_spinner(rate, rank=rank, side_effect_rate=side_effects)  # type: ignore[arg-type]

    return build


def _contentfarm(rate: float, paragraph_share: float = 1.0) -> Callable[[], Rewriter]:
    def build() -> Rewriter:
        from mtdetect.training.rewrite.contentfarm import contentfarm_spinner

        return contentfarm_spinner(rate, paragraph_share=paragraph_share)

    return build


VECTORS_ENV = "MTDETECT_VECTORS"  # the word2vec file of the vectors-* spinners


def _vectors(rate: float) -> Callable[[], Rewriter]:
    def build() -> Rewriter:
        from mtdetect.training.rewrite.vectors import VectorsUnavailable, vectors_spinner

        if not os.environ.get(VECTORS_ENV):
            raise VectorsUnavailable(
                f"the vectors-* spinners need {VECTORS_ENV}=FILE, word vectors trained with "
                "`python -m mtdetect.training.rewrite.vectors FILE ORIGINALS...`"
            )
        return vectors_spinner(Path(os.environ[VECTORS_ENV]), rate)

    return build


def _round_trip(pivot: str) -> Callable[[], Rewriter]:
    def build() -> Rewriter:
        from mtdetect.training.rewrite import ApertiumEngine, RoundTripTranslator

        return RoundTripTranslator(ApertiumEngine(), pivot)

    return build


def _spinner_family() -> dict[str, Callable[[], Rewriter]]:
    family: dict[str, Callable[[], Rewriter]] = {}
    for rate in SPIN_RATES:
        pct = round(rate * 100)
        family[f"wordnet-random-{pct}"] = _wordnet("random_sense", rate)
        family[f"wordnet-random-{pct}+fx"] = _wordnet("random_sense", rate, 0.3)
        family[f"wordnet-first-{pct}"] = _wordnet("first_sense", rate)
        family[f"wordnet-frequent-{pct}"] = _wordnet("frequent_lemma", rate, 0.3)
        family[f"thesaurus-frequency-{pct}"] = _thesaurus("frequency", rate)
        family[f"thesaurus-listed-{pct}+fx"] = _thesaurus("listed", rate, 0.3)
    # Only some paragraphs spun, as when a writer pads an article with spun passages.
    for rate in SPIN_RATES[2:]:
        family[f"wordnet-partial-{round(rate * 100)}"] = _wordnet(
            "random_sense", rate, 0.3, paragraph_share=0.5
        )
    return family


REWRITERS: dict[str, Callable[[], Rewriter]] = {
    **_spinner_family(),
    # "+partial" rather than "-partial-", so that family_of() gives "contentfarm" for every rate.
    **{f"contentfarm-{pct}": _contentfarm(pct / 100) for pct in (2, 5, 10, 20, 30, 40)},
    **{f"contentfarm-{pct}+partial": _contentfarm(pct / 100, 0.5) for pct in (10, 20, 40)},
    **{f"vectors-{round(rate * 100)}": _vectors(rate) for rate in SPIN_RATES},
    **{f"apertium-{pivot}": _round_trip(pivot) for pivot in ("spa", "cat", "glg", "epo", "hbs")},
}
KIND_OF = {name: "translated" if name.startswith("apertium-") else "spun" for name in REWRITERS}
# The vectors-* spinners need a file the user trains (VECTORS_ENV), so they are asked for by name.
DEFAULT_SPINNERS = tuple(n for n in REWRITERS if not n.startswith(("apertium-", "vectors-")))


def family_of(name: str) -> str:
    """The generator family of a REWRITERS name, for leave-one-out evaluation.

    >>> family_of("wordnet-random-15+fx"), family_of("apertium-spa")
    ('wordnet-random', 'apertium-spa')
    """
    if name.startswith("apertium-"):
        return name
    return name.rsplit("-", 1)[0]


FAMILIES = frozenset(family_of(n) for n in REWRITERS)


def document_seed(seed: int, doc_id: str) -> int:
    """A stable per-document seed.

    >>> document_seed(0, "a") == document_seed(0, "a") != document_seed(1, "a")
    True
    """
    return int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:4], "big")


def _rewrite_all(rewriter: Rewriter, docs: list[tuple[str, str]], seed: int) -> list[Rewrite | None]:
    """Rewrites of `docs`, None where the rewriter failed on a document."""
    many = getattr(rewriter, "rewrite_many", None)
    if many is None:
        return [rewriter.rewrite(text, document_seed(seed, doc_id)) for doc_id, text in docs]
    if not docs:
        return []
    try:
        return list(many([text for _, text in docs]))
    except RuntimeError:
        # Rule-based engines crash on a few inputs; halve the batch until the culprits stand alone.
        if len(docs) == 1:
            log.warning("%s failed on document %s; skipped", getattr(rewriter, "name", rewriter), docs[0][0])
            return [None]
        mid = len(docs) // 2
        return _rewrite_all(rewriter, docs[:mid], seed) + _rewrite_all(rewriter, docs[mid:], seed)


def make_pairs(
    originals: Iterable[tuple[str, str, str]],
    rewriters: dict[str, Rewriter],
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> Iterator[dict]:
    """Pair rows for `(id, text, source)` originals, in input order.

    Rows are `{"original", "rewritten", "kind", "id", "source", "generator"}`, where `generator` is
    the rewriter's name in `rewriters`. Originals that a rewriter left unchanged are skipped.
    """
    if not rewriters:
        raise ValueError("make_pairs needs at least one rewriter")
    names = sorted(rewriters)
    docs = list(originals)
    assigned: dict[str, list[int]] = defaultdict(list)
    for i, (doc_id, _, _) in enumerate(docs):
        assigned[names[random.Random(document_seed(seed, doc_id)).randrange(len(names))]].append(i)
    results: dict[int, tuple[str, Rewrite | None]] = {}
    for name in names:
        idx = assigned[name]
        for i, result in zip(
            idx, _rewrite_all(rewriters[name], [docs[i][:2] for i in idx], seed), strict=True
        ):
            results[i] = (name, result)
        if progress:
            progress(len(idx))
    for i, (doc_id, text, source) in enumerate(docs):
        name, result = results[i]
        if result is None or result.text.strip() == text.strip():
            continue
        yield {
            "original": text,
            "rewritten": result.text,
            "kind": KIND_OF.get(name, "spun"),
            "id": doc_id,
            "source": source,
            "generator": name,
        }


def build_rewriters(names: Sequence[str]) -> dict[str, Rewriter]:
    """Instantiate named REWRITERS; raises ValueError for an unknown name and RuntimeError (from the
    rewriter) when its resource is not installed."""
    unknown = [n for n in names if n not in REWRITERS]
    if unknown:
        raise ValueError(f"unknown generator(s) {', '.join(unknown)}; known: {', '.join(sorted(REWRITERS))}")
    return {name: REWRITERS[name]() for name in names}


def expand_generators(specs: Sequence[str]) -> list[str]:
    """REWRITERS names from names or family names ("wordnet-first" means every rate of it).

    >>> expand_generators(["apertium-spa", "wordnet-first"])[:3]
    ['apertium-spa', 'wordnet-first-3', 'wordnet-first-6']
    """
    names: list[str] = []
    for spec in specs:
        matched = [spec] if spec in REWRITERS else [n for n in REWRITERS if family_of(n) == spec]
        if not matched:
            raise ValueError(f"unknown generator {spec!r}; families: {', '.join(sorted(FAMILIES))}")
        names += [n for n in matched if n not in names]
    return names


def read_originals(inputs: Sequence[Path]) -> Iterator[tuple[str, str, str]]:
    """`(id, text, source)` of human originals from JSONL files (a `text` field, optional `id` and
    `source`) and from article files or folders (.txt, .md, .html; unreadable files are skipped)."""
    for path in inputs:
        if path.suffix == ".jsonl":
            for lineno, row in enumerate(iter_jsonl(path), start=1):
                if isinstance(row, dict) and isinstance(row.get("text"), str) and row["text"].strip():
                    yield (
                        str(row.get("id") or f"{path.name}:{lineno}"),
                        row["text"],
                        str(row.get("source") or path.stem),
                    )
            continue
        for file in find_files([path], recursive=True):
            doc = read_document(file)
            if doc.error or not doc.text or not doc.text.strip():
                log.warning("%s: skipped (%s)", file, doc.error or "empty")
                continue
            yield str(file), doc.text, file.parent.name
