"""Batch scoring of documents into output rows, shared by the local command line and the Ray backend.

`score_documents` turns a batch of `Document`s into rows `{"path", "score", "label", "verdict",
"threshold", "kind_thresholds", "probabilities", "flags", "error"}`. A failure inside the batch is retried
document by document, so one bad text never costs the others their rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from mtdetect.batch.documents import Document
from mtdetect.model.detector import Analysis, Detector

log = logging.getLogger(__name__)
BATCH_SIZE = 32


def batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def unique(paths: Iterable[Path]) -> list[Path]:
    """`paths` without repeats (a file named twice, or named and inside a named folder), first kept."""
    seen: set[str] = set()
    out = []
    for p in paths:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out


def analyze_documents(
    detector: Detector, docs: list[Document], explain: bool = False, sentences: bool | None = None
) -> dict[int, Analysis]:
    """Analyses of the readable documents, keyed by `id(doc)` (`explain` and `sentences` as for
    `Detector.analyze_many`); a document whose analysis fails gets its `error` set instead, and the
    others are still analysed."""
    readable = [d for d in docs if d.error is None and d.text is not None]
    try:
        results = detector.analyze_many([d.text for d in readable], explain=explain, sentences=sentences)
        return dict(zip(map(id, readable), results, strict=True))
    except Exception:  # isolate the culprit: retry one by one
        log.debug("batch failed, retrying documents one by one", exc_info=True)
    analyses = {}
    for d in readable:
        try:
            analyses[id(d)] = detector.analyze_many([d.text], explain=explain, sentences=sentences)[0]
        except Exception as exc:
            d.error = f"analysis failed: {type(exc).__name__}: {exc}"
    return analyses


def score_documents(detector: Detector, docs: list[Document], evidence: bool = False) -> list[dict[str, Any]]:
    """One output row per document; a failure in one document never costs the others their rows."""
    analyses = analyze_documents(detector, docs, explain=evidence, sentences=False)  # rows have none
    rows = []
    for d in docs:
        row: dict[str, Any] = {
            "path": d.path,
            "score": None,
            "label": None,
            "verdict": None,
            "threshold": None,
            "kind_thresholds": None,
            "probabilities": None,
            "flags": list(d.flags),
            "error": d.error,
        }
        a = analyses.get(id(d))
        if a is not None:
            row.update(
                score=a.score,
                label=a.label,
                verdict=a.verdict,
                threshold=a.threshold,
                kind_thresholds=a.kind_thresholds,
                probabilities=a.probabilities,
                flags=sorted(set(d.flags) | set(a.flags)),
            )
            if evidence:
                row["evidence"] = [e.to_dict() for e in a.evidence]
        rows.append(row)
    return rows
