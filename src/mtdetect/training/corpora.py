"""Readers that turn the third-party corpora in ``../shared/data`` into labelled documents for training.

Every reader yields :class:`Doc` objects with a label (``"original"`` or ``"translated"``), a ``source``
naming corpus and producer, and a ``group`` id for train/test splits: anything derived from the same
source text shares a group, so a split by group never puts two versions of one text on both sides.

Design and deliberate shortcuts:

* Labels describe mechanical rewriting only. Human translations (Europarl ``human_translation``, TED
  ``ref``/``refB``) are labelled ``"original"``; only machine translation is ``"translated"``.
* Every text passes through :func:`normalize_typography` (curly quotes to straight, ``…`` to ``...``,
  em dash to en dash, zero-width characters dropped). Some producers differ only in such typography
  (Google Translate emits zero-width spaces, m2m100 curly apostrophes); a classifier would learn those
  artefacts instead of the rewriting itself. Wiki texts get the same normalisation for consistency.
* Europarl rows are single tokenised sentences. :func:`detokenize` undoes the tokenisation with a few
  rules (no attempt at a full Moses detokeniser) and upper-cases the first letter, identically for
  every class. Sentences under 3 words or without final punctuation are dropped from every class:
  most ``madlad`` outputs are cut off mid-sentence at about 125 characters, and the madlad sentences
  that survive are short, so ``europarl/madlad`` documents are shorter than the others.
* Europarl sentences are not aligned and have no document structure, so each (label, system) stream
  is shuffled and chunked into pseudo-documents of a fixed number of sentences; an incomplete last
  chunk is dropped so all documents have the same number of sentences. Original sentences repeat
  across files and are pooled and deduplicated into one stream; every stream is deduplicated too, and
  a rewritten sentence identical to an original one is dropped (it carries no signal). Pseudo-documents
  share no source text, so each gets its own group.
* WMT chunks (ten lines of one test-set file) are kept as they are. Documents are not marked in the
  source files, so consecutive chunks may share one: groups are blocks of ``WMT_CHUNKS_PER_GROUP``
  consecutive chunks of a (year, pair), shared by every system's output, the references and the
  source. Sources are ``wmt/original`` (English-original news, the source side of the en-X
  directions), ``wmt/human_translation`` (reference translations) and ``wmt/translated`` (systems).
* TED segments are chunked per (talk, system) by the position of the segment id in the talk, so chunk
  ``k`` of every system covers the same source segments and all of them share group ``ted/<talk>/<k>``.
* JSONL is read line by line with :mod:`json`; a malformed row raises ``ValueError`` naming file and line.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ORIGINAL = "original"
TRANSLATED = "translated"
HUMAN_TRANSLATION = "human_translation"

# Europarl pseudo-documents get a line break every this many sentences, to look like paragraphs.
_SENTENCES_PER_PARAGRAPH = 4
_MIN_SENTENCE_WORDS = 3
# A sentence must end like one. Most madlad "translations" are cut off at about 125 characters
# mid-sentence; a truncated tail would be a give-away unrelated to translation.
_COMPLETE_SENTENCE_RE = re.compile(r"[.!?:;][\"')\]]*$")


@dataclass(frozen=True)
class Doc:
    """One training document."""

    text: str
    label: str  # "original" | "translated"
    group: str  # split id: a document and anything derived from the same source text share it
    source: str  # e.g. "wikinews", "europarl/deepl", "ted/human_translation", "wmt/translated"
    url: str | None = None  # attribution for CC BY rows
    system: str | None = None  # the producer within a source: a WMT system such as "Online-B"


# ---------------------------------------------------------------------------------------------------
# Text normalisation

_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark (also the apostrophe)
        "\u201a": "'",  # single low-9 quotation mark
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u201e": '"',  # double low-9 quotation mark
        "\u2026": "...",  # horizontal ellipsis
        "\u2014": "\u2013",  # em dash -> en dash
        "\u00a0": " ",  # no-break space
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\u00ad": None,  # soft hyphen
    }
)
_HSPACE_RE = re.compile(r"[^\S\n]+")


def normalize_typography(text: str) -> str:
    """Fold typographic variants to plain ASCII forms and collapse runs of spaces (line breaks are kept).

    >>> print(normalize_typography("It\u2019s \u201cfine\u201d\u2026 area of \u200b \u200b the"))
    It's "fine"... area of the
    """
    text = text.translate(_TYPOGRAPHY)
    return "\n".join(_HSPACE_RE.sub(" ", line).strip() for line in text.split("\n"))


_NO_SPACE_BEFORE = frozenset({",", ".", ";", ":", "!", "?", "%", ")", "]", "}", "..."})
_NO_SPACE_AFTER = frozenset({"(", "[", "{", "$", "£", "€"})
_CLITICS = frozenset({"'s", "'t", "'re", "'ve", "'ll", "'d", "'m", "n't"})
_CLITIC_TAILS = frozenset(c[1:] for c in _CLITICS if c.startswith("'"))
# "d 'Ivoire", "o 'clock", "l 'Europe": an apostrophe-initial token after one of these is an elision.
_ELISION_HEADS = frozenset({"d", "l", "o"})


def _merge_split_apostrophes(tokens: list[str]) -> list[str]:
    """Rejoin clitics split as "can ' t", which is what a tokenised curly apostrophe becomes after folding."""
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if (
            tok == "'"
            and merged
            and merged[-1][-1].isalnum()
            and i + 1 < len(tokens)
            and tokens[i + 1].lower() in _CLITIC_TAILS
        ):
            merged.append("'" + tokens[i + 1])
            i += 2
            continue
        merged.append(tok)
        i += 1
    return merged


def detokenize(sentence: str) -> str:
    """Undo Europarl-style tokenisation and upper-case the first letter.

    Removes the space before ``, . ; : ! ? % ) ]`` and after ``( [`` and currency signs, re-attaches
    clitics (``'s n't 't 're 've 'll 'd 'm``), joins ``a / b``, pairs double and single quotes, and
    treats a lone ``'`` after a word ending in "s" as a possessive unless a later quote closes it.
    Typography is folded first (:func:`normalize_typography`).

    >>> print(detokenize("as I said , it 's a \\" good \\" idea ( 90 % ) and we do n't know ."))
    As I said, it's a "good" idea (90%) and we don't know.
    """
    tokens = normalize_typography(sentence).split()
    tokens = ['"' if t in ("``", "''") else t for t in tokens]
    tokens = _merge_split_apostrophes(tokens)

    pieces: list[str] = []
    glue_next = True  # no space before the first token
    double_open = single_open = False
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i > 0 else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        # A quote with nothing quotable after it can only be closing.
        nothing_follows = nxt is None or nxt in _NO_SPACE_BEFORE
        attach_left = attach_right = False
        if tok in _NO_SPACE_BEFORE:
            attach_left = True
        elif tok in _NO_SPACE_AFTER:
            attach_right = True
        elif tok == "/":
            attach_left = attach_right = True
        elif tok.lower() in _CLITICS:
            attach_left = prev is not None
        elif tok[:1] == "'" and tok[1:2].isalpha() and prev is not None and prev.lower() in _ELISION_HEADS:
            attach_left = True
        elif tok == '"':
            if double_open or nothing_follows:
                attach_left, double_open = True, False
            else:
                attach_right, double_open = True, True
        elif tok == "'":
            later_quotes = tokens[i + 1 :].count("'")
            if single_open:
                attach_left, single_open = True, False
            elif prev is not None and prev[-1] in "sS" and later_quotes % 2 == 0:
                attach_left = True  # possessive: "workers ' rights"
            elif nothing_follows:
                attach_left = True
            else:
                attach_right, single_open = True, True
        if pieces and not (attach_left or glue_next):
            pieces.append(" ")
        pieces.append(tok)
        glue_next = attach_right
    return _capitalize_first("".join(pieces))


def _capitalize_first(text: str) -> str:
    """Upper-case the first letter unless a digit comes first ("2004 was..." stays as it is)."""
    for idx, ch in enumerate(text):
        if ch.isalpha():
            return text[:idx] + ch.upper() + text[idx + 1 :]
        if ch.isdigit():
            break
    return text


def _dedup_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _word_count(text: str) -> int:
    return sum(any(ch.isalnum() for ch in tok) for tok in text.split())


# ---------------------------------------------------------------------------------------------------
# JSONL


def _read_jsonl(path: Path, fields: dict[str, type]) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, row)`` for each non-blank line, checking that ``fields`` have their types."""
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: malformed JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}")
            for name, kind in fields.items():
                value = row.get(name)
                # bool is an int subclass; a seg_id of true is still malformed
                if not isinstance(value, kind) or isinstance(value, bool):
                    raise ValueError(
                        f"{path}:{lineno}: field {name!r} must be {kind.__name__}, got {value!r}"
                    )
            yield lineno, row


# ---------------------------------------------------------------------------------------------------
# Readers


def read_wiki(path: Path, source: str, limit: int | None = None) -> Iterator[Doc]:
    """Yield Wikinews/Wikipedia rows ``{"id","title","url","text"}`` as original documents.

    The group is the row id (e.g. ``"wikinews-25279"``) and the url is kept for attribution. Empty
    texts are skipped; at most ``limit`` documents are yielded when it is given.
    """
    if limit is not None and limit <= 0:
        return
    produced = 0
    for lineno, row in _read_jsonl(Path(path), {"id": str, "text": str}):
        url = row.get("url")
        if url is not None and not isinstance(url, str):
            raise ValueError(f"{path}:{lineno}: field 'url' must be str, got {url!r}")
        text = normalize_typography(row["text"]).strip()
        if not text:
            continue
        yield Doc(text=text, label=ORIGINAL, group=row["id"], source=source, url=url)
        produced += 1
        if limit is not None and produced >= limit:
            return


def _join_sentences(sentences: list[str]) -> str:
    step = _SENTENCES_PER_PARAGRAPH
    return "\n".join(" ".join(sentences[i : i + step]) for i in range(0, len(sentences), step))


def europarl_documents(folder: Path, sentences_per_doc: int = 12, seed: int = 0) -> list[Doc]:
    """Build pseudo-documents from the Europarl sentence files (``*.jsonl`` in ``folder``).

    Sentences are detokenised; those under 3 words or without final punctuation are dropped. Originals
    are pooled and deduplicated across files, then each (label, system) stream is shuffled with a seed
    derived from ``seed`` and cut into documents of ``sentences_per_doc`` sentences (a line break every
    4). Sources are ``europarl/original``, ``europarl/human_translation`` and ``europarl/<system>``;
    groups are ``europarl/<system>/<label>/<i>`` (system ``pooled`` for originals). Deterministic for a
    seed.
    """
    if sentences_per_doc < 1:
        raise ValueError(f"sentences_per_doc must be >= 1, got {sentences_per_doc}")
    folder = Path(folder)
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no *.jsonl files in {folder}")

    originals: dict[str, str] = {}  # dedup key -> sentence, first occurrence wins
    rewritten: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)  # (label, system) -> key -> text
    for path in files:
        for lineno, row in _read_jsonl(path, {"text": str, "label": str, "system": str}):
            label = row["label"]
            if label not in (ORIGINAL, TRANSLATED, HUMAN_TRANSLATION):
                raise ValueError(f"{path}:{lineno}: unknown label {label!r}")
            text = detokenize(row["text"])
            if _word_count(text) < _MIN_SENTENCE_WORDS or not _COMPLETE_SENTENCE_RE.search(text):
                continue
            key = _dedup_key(text)
            stream = originals if label == ORIGINAL else rewritten[(label, row["system"])]
            stream.setdefault(key, text)

    streams: list[tuple[str, str, str, list[str]]] = [
        ("pooled", ORIGINAL, "europarl/original", list(originals.values()))
    ]
    for (label, system), sentences in sorted(rewritten.items()):
        kept = [text for key, text in sentences.items() if key not in originals]
        source = "europarl/human_translation" if label == HUMAN_TRANSLATION else f"europarl/{system}"
        streams.append((system, label, source, kept))

    docs: list[Doc] = []
    for system, label, source, sentences in streams:
        # A string seed is hashed with SHA-512, so this is stable across runs and hash seeds.
        random.Random(f"{seed}/{system}/{label}").shuffle(sentences)
        doc_label = TRANSLATED if label == TRANSLATED else ORIGINAL
        for i in range(len(sentences) // sentences_per_doc):
            chunk = sentences[i * sentences_per_doc : (i + 1) * sentences_per_doc]
            docs.append(
                Doc(
                    text=_join_sentences(chunk),
                    label=doc_label,
                    group=f"europarl/{system}/{label}/{i}",
                    source=source,
                )
            )
    return docs


def ted_documents(path: Path, segments_per_doc: int = 10) -> list[Doc]:
    """Build documents from the TED zh→en segments, ``segments_per_doc`` consecutive segments each.

    Machine translations are ``translated`` with source ``ted/<system>``; human translations are
    ``original`` with source ``ted/human_translation``. Chunk ``k`` of a talk covers the same segments
    for every system, and all of those versions share group ``ted/<talk>/<k>``.
    """
    if segments_per_doc < 1:
        raise ValueError(f"segments_per_doc must be >= 1, got {segments_per_doc}")
    path = Path(path)
    fields = {"text": str, "label": str, "system": str, "talk": str, "seg_id": int}
    segments: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)  # (talk, system) -> seg_id -> text
    labels: dict[str, str] = {}
    for lineno, row in _read_jsonl(path, fields):
        label, system = row["label"], row["system"]
        if label not in (TRANSLATED, HUMAN_TRANSLATION):
            raise ValueError(f"{path}:{lineno}: unknown label {label!r}")
        if labels.setdefault(system, label) != label:
            raise ValueError(
                f"{path}:{lineno}: system {system!r} has both labels {labels[system]!r} and {label!r}"
            )
        by_seg = segments[(row["talk"], system)]
        if row["seg_id"] in by_seg:
            raise ValueError(f"{path}:{lineno}: duplicate segment {row['seg_id']} for {row['talk']}/{system}")
        by_seg[row["seg_id"]] = normalize_typography(row["text"]).strip()

    # Chunk by position among all segment ids of the talk, so that a system missing a segment
    # does not shift its later chunks out of line with the other systems.
    talk_segments: dict[str, set[int]] = defaultdict(set)
    for (talk, _), by_seg in segments.items():
        talk_segments[talk].update(by_seg)
    chunk_of = {
        talk: {seg: pos // segments_per_doc for pos, seg in enumerate(sorted(ids))}
        for talk, ids in talk_segments.items()
    }

    docs: list[Doc] = []
    for (talk, system), by_seg in sorted(segments.items()):
        chunks: dict[int, list[str]] = defaultdict(list)
        for seg in sorted(by_seg):
            if by_seg[seg]:
                chunks[chunk_of[talk][seg]].append(by_seg[seg])
        is_human = labels[system] == HUMAN_TRANSLATION
        for k, texts in sorted(chunks.items()):
            docs.append(
                Doc(
                    text=" ".join(texts),
                    label=ORIGINAL if is_human else TRANSLATED,
                    group=f"ted/{talk}/{k}",
                    source="ted/human_translation" if is_human else f"ted/{system}",
                )
            )
    return docs


WMT_CHUNKS_PER_GROUP = 4


def wmt_documents(folder: Path) -> list[Doc]:
    """Read the WMT news files (``wmt*.jsonl`` in ``folder``) as documents, one per chunk.

    The group of chunk ``k`` of a (year, pair) is ``<year>:<pair>:<k // WMT_CHUNKS_PER_GROUP>``
    (e.g. ``wmt22:de-en:4``); ``system`` keeps the WMT system name. Empty chunks are skipped. The
    English source of several en->X pairs is one document, and WMT22's Livonian references are its
    en-liv sources word for word: a text in several groups is kept in one (see `drop_shared_texts`).
    """
    fields = {"year": str, "pair": str, "system": str, "label": str, "text": str, "chunk": int}
    files = sorted(Path(folder).glob("wmt*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no wmt*.jsonl files in {folder}")
    docs = []
    for path in files:
        for lineno, row in _read_jsonl(path, fields):
            label = row["label"]
            if label not in (ORIGINAL, TRANSLATED, HUMAN_TRANSLATION):
                raise ValueError(f"{path}:{lineno}: unknown label {label!r}")
            text = normalize_typography(row["text"]).strip()
            if not text:
                continue
            docs.append(
                Doc(
                    text=text,
                    label=TRANSLATED if label == TRANSLATED else ORIGINAL,
                    group=f"{row['year']}:{row['pair']}:{row['chunk'] // WMT_CHUNKS_PER_GROUP}",
                    source=f"wmt/{label}",
                    system=row["system"],
                )
            )
    return drop_shared_texts(docs)


def drop_shared_texts(docs: list[Doc]) -> list[Doc]:
    """`docs` with a text that sits in several groups kept only in the first of them (by name), so that
    a split by group never puts one text on both sides. Group names stay, since the language pair and
    year are read off them.

    >>> docs = [Doc("a", "original", "g2", "s"), Doc("a", "original", "g1", "s")]
    >>> [(d.text, d.group) for d in drop_shared_texts([*docs, Doc("b", "original", "g2", "s")])]
    [('a', 'g1'), ('b', 'g2')]
    """
    first: dict[str, str] = {}
    for d in docs:
        first[d.text] = min(first.get(d.text, d.group), d.group)
    return [d for d in docs if first[d.text] == d.group]


def wmt_language(group: str) -> str:
    """The source language of a WMT group (``wmt22:de-en:4`` -> ``de``; English originals -> ``en``)."""
    return group.split(":")[1].split("-")[0]
