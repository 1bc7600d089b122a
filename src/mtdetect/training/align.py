"""Align an original with its rewrite and list what was substituted, with offsets in both texts.

Spinner output keeps word order, so a longest-matching-block alignment of the two word sequences
(difflib's SequenceMatcher, with its junk heuristic off) recovers each swap exactly. Machine
translation reorders and rewrites freely: there the alignment still returns correct but longer,
coarser edits, and `changed_share` tells how much of the text moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from mtdetect.model.text import Token, normalize_word, word_tokens

MAX_PHRASE_WORDS = 4


@dataclass(frozen=True)
class Edit:
    """One substitution: original[orig_start:orig_end] became rewritten[new_start:new_end]."""

    orig_start: int
    orig_end: int
    new_start: int
    new_end: int
    original: str
    replacement: str
    op: str  # "replace", "insert" or "delete"

    @property
    def is_phrase_swap(self) -> bool:
        """A replacement of at most MAX_PHRASE_WORDS words on each side: what spinners do."""
        return (
            self.op == "replace"
            and 0 < len(self.original.split()) <= MAX_PHRASE_WORDS
            and 0 < len(self.replacement.split()) <= MAX_PHRASE_WORDS
        )


@dataclass(frozen=True)
class Alignment:
    edits: list[Edit]
    changed_share: float  # share of the original's words that were replaced or deleted


def _span(text: str, toks: list[Token], i: int, j: int, anchor: int) -> tuple[int, int, str]:
    if i == j:  # empty side: anchor the zero-width span where the other side's edit happens
        return anchor, anchor, ""
    start, end = toks[i].start, toks[j - 1].end
    return start, end, text[start:end]


def align(original: str, rewritten: str) -> Alignment:
    """Word-level alignment of two texts.

    >>> [(e.original, e.replacement) for e in align("the upper hand now", "the higher hand now").edits]
    [('upper', 'higher')]
    """
    a_toks, b_toks = word_tokens(original), word_tokens(rewritten)
    a = [normalize_word(t.text) for t in a_toks]
    b = [normalize_word(t.text) for t in b_toks]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    edits = []
    changed = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        changed += i2 - i1
        a_anchor = a_toks[i1].start if i1 < len(a_toks) else len(original)
        b_anchor = b_toks[j1].start if j1 < len(b_toks) else len(rewritten)
        o_start, o_end, o_text = _span(original, a_toks, i1, i2, a_anchor)
        n_start, n_end, n_text = _span(rewritten, b_toks, j1, j2, b_anchor)
        edits.append(Edit(o_start, o_end, n_start, n_end, o_text, n_text, op))
    return Alignment(edits, changed / len(a) if a else 0.0)


def substituted_spans(original: str, rewritten: str) -> list[tuple[int, int]]:
    """Character spans of `rewritten` that a spinner put in place of the original's words.

    >>> substituted_spans("the upper hand now", "the higher hand now")
    [(4, 10)]
    """
    return [(e.new_start, e.new_end) for e in align(original, rewritten).edits if e.op != "delete"]


def covered(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether the character range [start, end) overlaps any of `spans`.

    >>> covered(4, 10, [(8, 12)]), covered(4, 8, [(8, 12)])
    (True, False)
    """
    return any(a < end and start < b for a, b in spans)


def format_table(alignment: Alignment) -> str:
    """The substitution table as aligned plain text, one edit per line, with a closing share line."""
    rows = [("edit", "original", "rewritten")] + [(e.op, e.original, e.replacement) for e in alignment.edits]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    lines = [f"{op:<{widths[0]}}  {orig:<{widths[1]}}  {new}".rstrip() for op, orig, new in rows]
    lines.append(
        f"{len(alignment.edits)} edits; {alignment.changed_share:.1%} of the original's words changed"
    )
    return "\n".join(lines)
