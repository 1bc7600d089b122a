"""Mining a phrase lexicon from aligned (original, rewritten) training pairs.

Each phrase swap that the alignment finds (`align.py`) is counted against the phrase's occurrences in
the originals, so that swaps into words human writers use all the time are dropped. The result is a
`Lexicon` (`model/lexicon.py`), saved in the bundle as plain TSV.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from mtdetect.model.lexicon import Entry, Lexicon, normalize_phrase
from mtdetect.training.align import align


def learn(
    pairs: Iterable[tuple[str, str]],
    kind: str = "spun_phrase",
    min_count: int = 2,
    min_confidence: float = 0.5,
) -> Lexicon:
    """Mine (substituted phrase -> original phrase) entries from aligned (original, rewritten) pairs.

    An entry's confidence estimates P(rewritten | phrase seen) with even odds of either kind of text:
    its substitutions against its occurrences in the originals. A phrase is kept when it was
    substituted at least `min_count` times with at least `min_confidence`, which drops swaps into
    ordinary words ("big" -> "large") that human writers use all the time.

    >>> pairs = [("the upper hand", "the higher hand"), ("an upper hand", "an higher hand")]
    >>> learn(pairs).entries["higher"].suggestion
    'upper'
    """
    pairs = list(pairs)
    swaps: dict[str, Counter[str]] = {}
    for original, rewritten in pairs:
        for edit in align(original, rewritten).edits:
            if edit.is_phrase_swap:
                phrase = normalize_phrase(edit.replacement)
                swaps.setdefault(phrase, Counter())[normalize_phrase(edit.original)] += 1
    candidates = {p: c for p, c in swaps.items() if sum(c.values()) >= min_count}
    if not candidates:
        return Lexicon()
    probe = Lexicon(Entry(p, None, kind, 1.0) for p in candidates)
    in_originals: Counter[str] = Counter()
    for original, _ in pairs:
        in_originals.update(m.entry.phrase for m in probe.find(original))
    entries = []
    for phrase, originals in candidates.items():
        n_sub = sum(originals.values())
        confidence = n_sub / (n_sub + in_originals[phrase])
        if confidence >= min_confidence:
            entries.append(Entry(phrase, originals.most_common(1)[0][0], kind, round(confidence, 4), n_sub))
    return Lexicon(entries)
