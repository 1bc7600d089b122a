"""Building synonym tables from thesauri: WordNet and Debian's Mythes thesaurus, at training time only.

A table maps a word to its common single-word synonyms (`model/synonyms.py` reads it); its reverse, the
*origins* table, maps a word to the common words that list it as a synonym. Scoring reads the saved
tables and never needs a thesaurus.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from mtdetect.model.synonyms import MAX_CANDIDATES, SynonymTable
from mtdetect.model.text import COMMON_ZIPF

_INFLECTIONS = ("s", "es", "ed", "d", "ing")


def build_table(
    pairs: Iterable[tuple[str, str]], zipf: Mapping[str, float], inflect: bool = True
) -> SynonymTable:
    """From (word, synonym) pairs, keep single-word synonyms that are common English words.

    With `inflect`, a pair also yields its regular inflections when both forms are known words
    ("officer"/"official" -> "officers"/"officials").
    """
    table: dict[str, set[str]] = {}
    for word, syn in pairs:
        if word == syn or not (word.isalpha() and syn.isalpha()):
            continue
        forms = [(word, syn)]
        if inflect:
            forms += [(word + s, syn + s) for s in _INFLECTIONS]
        for w, s in forms:
            if zipf.get(s, 0.0) >= COMMON_ZIPF and zipf.get(w, 0.0) > 0.0:
                table.setdefault(w, set()).add(s)
    return SynonymTable(
        {w: sorted(s, key=lambda x: (-zipf.get(x, 0.0), x))[:MAX_CANDIDATES] for w, s in table.items()}
    )


def reversed_table(table: SynonymTable, zipf: Mapping[str, float]) -> SynonymTable:
    """The origins table of `table`: each listed synonym -> the common words that list it."""
    pairs = ((s, word) for word, syns in table.items() for s in syns)
    return build_table(pairs, zipf, inflect=False)


def wordnet_pairs() -> Iterator[tuple[str, str]]:
    """(word, synonym) pairs over all single-word WordNet lemmas, any sense and part of speech.

    Raises `mtdetect.training.rewrite.WordNetUnavailable` when WordNet is not installed.
    """
    from mtdetect.training.rewrite.wordnet import (  # needs NLTK and Debian's WordNet
        WordNetSynonyms,
        load_wordnet,
    )

    reader = load_wordnet()
    source = WordNetSynonyms(reader, "random_sense")
    for word in reader.all_lemma_names():
        if word.isalpha() and word.islower():
            for syn in source.synonyms(word):
                if " " not in syn:
                    yield word, syn


def thesaurus_pairs() -> Iterator[tuple[str, str]]:
    """(word, synonym) pairs over the single-word headwords of Debian's Mythes thesaurus.

    Raises `mtdetect.training.rewrite.ThesaurusUnavailable` when the thesaurus is not installed.
    """
    from mtdetect.training.rewrite.thesaurus import MythesSynonyms

    source = MythesSynonyms(rank="listed")
    for word in source.headwords():
        if word.isalpha():
            for syn in source.synonyms(word):
                if " " not in syn:
                    yield word, syn


SOURCES = {"wordnet": wordnet_pairs, "thesaurus": thesaurus_pairs}
