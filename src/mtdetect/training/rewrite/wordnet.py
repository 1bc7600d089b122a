"""Offline WordNet access and a WordNet-backed :class:`SynonymSource`.

Design: NLTK's ``WordNetCorpusReader`` is pointed at the WordNet 3.0 database files that Debian's
``wordnet-base`` package installs in ``/usr/share/wordnet``; nothing is downloaded. NLTK expects a
``lexnames`` file (and lists ``index.sense``) that Debian omits, so the data files are mirrored into a
cache folder next to a generated ``lexnames``. ``index.sense`` is only needed for sense-key lookups,
which this module never does, so it is left out.

The files are *copied* (about 28 MB, once), not symlinked: recent NLTK releases (``nltk.pathsec``) refuse
corpus files that resolve outside the corpus root, refuse hard links, and only accept roots registered
on ``nltk.data.path``, so :func:`load_wordnet` appends the cache folder there (a process-wide change,
made on first load, never at import time).

Deliberate shortcuts: the synonym strategies mimic cheap article spinners, not careful paraphrasers.
They ignore the context's part of speech and word sense on purpose (``random_sense``): wrong-sense
substitutions ("call" -> "decision", "ground" -> "bottom") are exactly what the detector has to learn.
Part of speech is only used to re-inflect ("officials" -> noun "functionary" -> "functionaries").
"""

from __future__ import annotations

import functools
import os
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from nltk.corpus.reader.wordnet import Lemma, WordNetCorpusReader

__all__ = [
    "DEFAULT_WORDNET_SOURCE",
    "Strategy",
    "WordNetSynonyms",
    "WordNetUnavailable",
    "lexnames_text",
    "load_wordnet",
]

DEFAULT_WORDNET_SOURCE = Path("/usr/share/wordnet")
"""Where Debian's ``wordnet-base`` puts the database; override with ``MTDETECT_WORDNET_DIR``."""

Strategy = Literal["random_sense", "first_sense", "frequent_lemma"]

# Files NLTK opens. ``cntlist.rev`` is only needed for lemma counts (frequent_lemma strategy).
_REQUIRED_FILES = (
    "index.adj",
    "index.adv",
    "index.noun",
    "index.verb",
    "data.adj",
    "data.adv",
    "data.noun",
    "data.verb",
    "adj.exc",
    "adv.exc",
    "noun.exc",
    "verb.exc",
)
_OPTIONAL_FILES = ("cntlist.rev",)

# The standard WordNet 3.0 lexicographer file list: (name, syntactic category number).
_LEXNAMES: tuple[tuple[str, int], ...] = (
    ("adj.all", 3),
    ("adj.pert", 3),
    ("adv.all", 4),
    ("noun.Tops", 1),
    ("noun.act", 1),
    ("noun.animal", 1),
    ("noun.artifact", 1),
    ("noun.attribute", 1),
    ("noun.body", 1),
    ("noun.cognition", 1),
    ("noun.communication", 1),
    ("noun.event", 1),
    ("noun.feeling", 1),
    ("noun.food", 1),
    ("noun.group", 1),
    ("noun.location", 1),
    ("noun.motive", 1),
    ("noun.object", 1),
    ("noun.person", 1),
    ("noun.phenomenon", 1),
    ("noun.plant", 1),
    ("noun.possession", 1),
    ("noun.process", 1),
    ("noun.quantity", 1),
    ("noun.relation", 1),
    ("noun.shape", 1),
    ("noun.state", 1),
    ("noun.substance", 1),
    ("noun.time", 1),
    ("verb.body", 2),
    ("verb.change", 2),
    ("verb.cognition", 2),
    ("verb.communication", 2),
    ("verb.competition", 2),
    ("verb.consumption", 2),
    ("verb.contact", 2),
    ("verb.creation", 2),
    ("verb.emotion", 2),
    ("verb.motion", 2),
    ("verb.perception", 2),
    ("verb.possession", 2),
    ("verb.social", 2),
    ("verb.stative", 2),
    ("verb.weather", 2),
    ("adj.ppl", 3),
)


class WordNetUnavailable(RuntimeError):
    """Raised when the WordNet database files cannot be found or read."""


def lexnames_text() -> str:
    """Return the standard 45-line WordNet ``lexnames`` file content."""
    return "".join(f"{i:02d}\t{name}\t{cat}\n" for i, (name, cat) in enumerate(_LEXNAMES))


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "mtdetect" / "wordnet"


def _source_dir() -> Path:
    env = os.environ.get("MTDETECT_WORDNET_DIR")
    return Path(env) if env else DEFAULT_WORDNET_SOURCE


def _prepare_root(source: Path, cache_dir: Path) -> Path:
    """Mirror the WordNet files of ``source`` into ``cache_dir`` and add ``lexnames``."""
    missing = [name for name in _REQUIRED_FILES if not (source / name).is_file()]
    if missing:
        raise WordNetUnavailable(
            f"WordNet database not found in {source} (missing: {', '.join(missing)}). "
            "Install it with `apt-get install wordnet-base`, or set MTDETECT_WORDNET_DIR "
            "to a folder holding the WordNet 3.0 dict files."
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    for name in _REQUIRED_FILES + _OPTIONAL_FILES:
        src = source / name
        dst = cache_dir / name
        if not src.is_file():
            continue
        if dst.is_file() and not dst.is_symlink():
            s_stat, d_stat = src.stat(), dst.stat()
            if s_stat.st_size == d_stat.st_size and int(s_stat.st_mtime) == int(d_stat.st_mtime):
                continue
        tmp = dst.with_name(f"{name}.tmp{os.getpid()}")
        shutil.copy2(src, tmp)
        tmp.replace(dst)  # atomic, so a concurrent loader never reads a half-written file
    lexnames = cache_dir / "lexnames"
    content = lexnames_text()
    if not lexnames.is_file() or lexnames.read_text(encoding="utf-8") != content:
        tmp = lexnames.with_name(f"lexnames.tmp{os.getpid()}")
        tmp.write_text(content, encoding="utf-8")
        tmp.replace(lexnames)
    return cache_dir


@functools.lru_cache(maxsize=4)
def _load(source: Path, cache_dir: Path) -> WordNetCorpusReader:
    import nltk.data
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    class _OfflineWordNetReader(WordNetCorpusReader):
        # The constructor builds a synset map to another WordNet version for the multilingual (OMW)
        # functions by loading ``corpora/wordnet`` from nltk_data, which is absent offline. Without an
        # OMW reader the map is never used, so skip it.
        def map_wn(self, version: str = "wordnet") -> None:
            return None

    root = _prepare_root(source, cache_dir)
    if str(root) not in nltk.data.path:
        nltk.data.path.append(str(root))
    with warnings.catch_warnings():
        # NLTK warns that multilingual (OMW) functions are unavailable without an OMW reader.
        warnings.simplefilter("ignore")
        try:
            return _OfflineWordNetReader(str(root), None)
        except (OSError, LookupError, ValueError) as exc:
            raise WordNetUnavailable(f"could not read WordNet from {root}: {exc}") from exc


def load_wordnet(cache_dir: Path | None = None) -> WordNetCorpusReader:
    """Return an NLTK WordNet reader built from the local WordNet files, without any download.

    The source folder is ``$MTDETECT_WORDNET_DIR`` or ``/usr/share/wordnet``; the prepared corpus
    folder is ``cache_dir`` (default ``~/.cache/mtdetect/wordnet``). Readers are cached per path.
    """
    cache = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    return _load(_source_dir().resolve(), cache.expanduser().resolve())


class WordNetSynonyms:
    """A :class:`~mtdetect.training.rewrite.base.SynonymSource` over WordNet lemmas.

    Strategies:
      * ``random_sense``: lemmas of every synset of the word (any POS), in WordNet order; the spinner
        picks one at random, so wrong-sense substitutions are common (like real spinners).
      * ``first_sense``: lemmas of the first (most frequent) synset only.
      * ``frequent_lemma``: all candidates sorted by SemCor lemma count, most frequent first.

    Only synsets that list the word itself are used: NLTK's ``synsets("houses")`` silently lemmatises,
    and the spinner wants to know that "houses" is inflected so that it can re-inflect the synonym.
    Dropped candidates: the word itself, lemmas with digits, single letters, acronyms ("XTC" for "go"),
    and capitalised lemmas ("Adam" for "go") unless the word's own lemma in that synset is capitalised
    too ("Tuesday" -> "Tues").

    Besides :meth:`synonyms`, spinners use the optional :meth:`lemmatize` and
    :meth:`synonyms_pos` (candidates of one part of speech, to re-inflect "officials" as a noun).
    """

    _MAX_CACHE = 200_000  # entries; phrase misses would otherwise grow the caches without bound

    def __init__(self, reader: WordNetCorpusReader, strategy: Strategy = "random_sense") -> None:
        if strategy not in ("random_sense", "first_sense", "frequent_lemma"):
            raise ValueError(f"unknown strategy {strategy!r}")
        self.reader = reader
        self.strategy: Strategy = strategy
        self._cache: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self._lemma_cache: dict[str, str | None] = {}
        self._has_counts = True

    def synonyms(self, word: str) -> Sequence[str]:
        """Return candidate replacements for ``word`` (lower-case, spaces for multi-word)."""
        return self.synonyms_pos(word, None)

    def synonyms_pos(self, word: str, pos: Literal["n", "v", "a", "r"] | None) -> Sequence[str]:
        """Like :meth:`synonyms`, restricted to synsets of part of speech ``pos`` (None: any)."""
        key = (word.lower(), pos)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) >= self._MAX_CACHE:
                self._cache.clear()
            cached = self._cache[key] = self._compute(*key)
        return cached

    def lemmatize(self, word: str) -> str | None:
        """Return WordNet's base form of ``word`` (via ``morphy``), or None when it has none."""
        key = word.lower()
        if key not in self._lemma_cache:
            if len(self._lemma_cache) >= self._MAX_CACHE:
                self._lemma_cache.clear()
            base = self.reader.morphy(key)
            self._lemma_cache[key] = base.lower().replace("_", " ") if base else None
        return self._lemma_cache[key]

    def _count(self, lemma: Lemma) -> int:
        if self.strategy != "frequent_lemma" or not self._has_counts:
            return 0
        try:
            return int(lemma.count())
        except OSError:  # no cntlist.rev in this WordNet copy: fall back to WordNet order
            self._has_counts = False
            return 0

    def _compute(self, word: str, pos: str | None) -> tuple[str, ...]:
        query = word.replace(" ", "_")
        counts: dict[str, int] = {}
        senses = 0
        for synset in self.reader.synsets(query, pos=pos):
            lemmas = synset.lemmas()
            own = next((lemma.name() for lemma in lemmas if lemma.name().lower() == query), None)
            if own is None:
                continue  # reached through morphy from an inflected form
            senses += 1
            if self.strategy == "first_sense" and senses > 1:
                break
            proper = not own.islower()
            for lemma in lemmas:
                raw = lemma.name()
                name = raw.replace("_", " ").lower()
                if name == word or len(name) < 2 or any(ch.isdigit() for ch in name):
                    continue
                if (not proper and not raw.islower()) or (raw.isupper() and len(raw) > 1):
                    continue
                # A lemma name shared by several senses accumulates the counts of all of them.
                counts[name] = counts.get(name, 0) + self._count(lemma)
        if self.strategy == "frequent_lemma":
            # sorted() is stable, so ties keep WordNet order.
            return tuple(sorted(counts, key=lambda name: -counts[name]))
        return tuple(counts)
