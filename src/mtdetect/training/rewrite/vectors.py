"""A synonym source without a thesaurus: nearest neighbours in word vectors trained on reference text.

Some spinners pick replacements from word embeddings rather than a thesaurus, so they swap a word for one
used in the same contexts: often a synonym, often a co-hyponym or a looser relative ("rose" -> "climbed",
"officials" -> "authorities", "Tuesday" -> "Wednesday"). Training on them teaches the detector swaps that no
thesaurus-built table lists, and a model trained without them can be tested on them resource-disjointly.

Design:
  * :func:`train_vectors` fits gensim's Word2Vec on lower-cased word tokens, sentence by sentence, and
    writes the word2vec binary format (plain arrays, never a pickle). Training is single-threaded with a
    fixed hash, so the same texts and seed give the same file.
  * :class:`VectorSynonyms` answers ``synonyms(word)`` with the ``k`` nearest neighbours whose cosine
    similarity reaches ``min_similarity``, dropping inflections and spellings of the word itself (words
    sharing a lemma, by lemminflect), function words (they share every context) and words rarer than
    ``min_zipf``. Answers are cached per word.
  * Phrases are not looked up (the vectors hold single words), and there is no ``lemmatize``: the vectors
    hold inflected forms, and their neighbours usually carry the same inflection.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from mtdetect.model.text import FUNCTION_WORDS, Parsed, zipf_table
from mtdetect.training.rewrite.base import Rewriter

__all__ = ["VectorSynonyms", "VectorsUnavailable", "train_vectors", "vectors_spinner"]


class VectorsUnavailable(RuntimeError):
    """Raised when the word-vector file is missing."""


def _stable_hash(text: str) -> int:
    """gensim seeds each word's initial vector from a hash; Python's own changes between processes."""
    return zlib.crc32(text.encode())


def sentences_of(texts: Iterable[str]) -> Iterable[list[str]]:
    """Each text's sentences as lists of lower-cased words."""
    for text in texts:
        parsed = Parsed.of(text)
        for sentence in parsed.sentences:
            words = [parsed.words[i] for i in sentence]
            if len(words) > 1:
                yield words


def train_vectors(
    texts: Iterable[str],
    path: Path,
    *,
    dim: int = 100,
    window: int = 5,
    min_count: int = 5,
    epochs: int = 5,
    seed: int = 0,
) -> int:
    """Fit Word2Vec (skip-gram) on `texts` and write it to `path`; returns the vocabulary size."""
    from gensim.models import Word2Vec

    sentences = list(sentences_of(texts))
    model = Word2Vec(
        sentences,
        vector_size=dim,
        window=window,
        min_count=min_count,
        sg=1,
        epochs=epochs,
        seed=seed,
        workers=1,
        hashfxn=_stable_hash,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    model.wv.save_word2vec_format(str(path), binary=True)
    return len(model.wv)


@functools.cache
def _lemmas(word: str) -> frozenset[str]:
    from lemminflect import getAllLemmas

    return frozenset({word, *(lemma for lemmas in getAllLemmas(word).values() for lemma in lemmas)})


class VectorSynonyms:
    """`synonyms(word)`: nearest neighbours of `word` in a word2vec file, best first."""

    def __init__(self, path: Path, k: int = 8, min_similarity: float = 0.55, min_zipf: float = 2.5) -> None:
        if not path.is_file():
            raise VectorsUnavailable(
                f"{path}: no word vectors; train them with train_vectors() "
                "(mtdetect.training.rewrite.vectors) on reference text"
            )
        self.path = path
        self.k = k
        self.min_similarity = min_similarity
        self.min_zipf = min_zipf
        self._vectors = None
        self._cache: dict[str, tuple[str, ...]] = {}

    def synonyms(self, word: str) -> Sequence[str]:
        """Up to `k` neighbours of `word` (lower-case), none for phrases or unknown words."""
        key = word.lower()
        if key not in self._cache:
            self._cache[key] = self._neighbours(key)
        return self._cache[key]

    def _neighbours(self, word: str) -> tuple[str, ...]:
        if " " in word:
            return ()
        if self._vectors is None:
            from gensim.models import KeyedVectors

            self._vectors = KeyedVectors.load_word2vec_format(str(self.path), binary=True)
        if word not in self._vectors.key_to_index:
            return ()
        zipf, own = zipf_table(), _lemmas(word)
        out = []
        for candidate, similarity in self._vectors.most_similar(word, topn=4 * self.k):
            if similarity < self.min_similarity or len(out) == self.k:
                break
            if (
                candidate.isalpha()
                and candidate not in FUNCTION_WORDS
                and zipf.get(candidate, 0.0) >= self.min_zipf
                and not own & _lemmas(candidate)
            ):
                out.append(candidate)
        return tuple(out)


def vectors_spinner(path: Path, rate: float = 0.1, *, paragraph_share: float = 1.0) -> Rewriter:
    """A spinner named ``vectors`` that swaps about `rate` of the eligible words for a random neighbour."""
    from mtdetect.training.rewrite.spinner import SynonymSpinner

    source = VectorSynonyms(path)
    return SynonymSpinner(
        source, rate, name="vectors", paragraph_share=paragraph_share, choice="random", phrases=False
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m mtdetect.training.rewrite.vectors OUT ORIGINALS...`: train the vectors-* spinners' file."""
    import argparse

    from mtdetect.training.pairs import read_originals

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("out", type=Path, help="word2vec binary file to write")
    parser.add_argument(
        "originals", nargs="+", type=Path, help="folders or files of articles, or JSONL with 'text'"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    size = train_vectors((text for _, text, _ in read_originals(args.originals)), args.out, seed=args.seed)
    print(f"wrote {size} word vectors to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
