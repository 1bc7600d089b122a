"""Turn human originals into labelled (original, rewritten) training pairs with the project's rewriters.

Each original gets one rewriter, drawn with a seeded RNG from the ones given, and a per-document
seed derived from the run seed and the document id, so the output is identical run after run and
one document's rewrite does not depend on which others are in the batch.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator, Sequence

from mtdetect.rewrite import Rewriter


def document_seed(seed: int, doc_id: str) -> int:
    """A stable per-document seed.

    >>> document_seed(0, "a") == document_seed(0, "a") != document_seed(1, "a")
    True
    """
    return int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:4], "big")


def make_pairs(
    originals: Iterable[tuple[str, str, str]], rewriters: Sequence[Rewriter], seed: int = 0
) -> Iterator[dict]:
    """Pair rows `{"original", "rewritten", "kind", "id", "source", "generator", "changes"}` for
    `(id, text, source)` originals. Originals that no rewriter changed are skipped."""
    if not rewriters:
        raise ValueError("make_pairs needs at least one rewriter")
    for doc_id, text, source in originals:
        doc_seed = document_seed(seed, doc_id)
        rewriter = rewriters[random.Random(doc_seed).randrange(len(rewriters))]
        result = rewriter.rewrite(text, doc_seed)
        if not result.substitutions:
            continue
        yield {
            "original": text,
            "rewritten": result.text,
            "kind": "spun",
            "id": doc_id,
            "source": source,
            "generator": result.generator,
            "changes": len(result.substitutions),
        }
