"""Spinners that rewrite human text into labelled spun-article training positives."""

from mtdetect.training.rewrite.base import Rewrite, Rewriter, Substitution, SynonymSource
from mtdetect.training.rewrite.mt import (
    ApertiumEngine,
    MTEngine,
    MTError,
    MTUnavailable,
    RoundTripTranslator,
    available_pivots,
)
from mtdetect.training.rewrite.spinner import (
    DEFAULT_SKIP_WORDS,
    Compose,
    SideEffectSpinner,
    SynonymSpinner,
    compose_rewrites,
    select_paragraphs,
    wordnet_spinner,
)
from mtdetect.training.rewrite.thesaurus import MythesSynonyms, ThesaurusUnavailable, thesaurus_spinner
from mtdetect.training.rewrite.wordnet import WordNetSynonyms, WordNetUnavailable, load_wordnet

__all__ = [
    "DEFAULT_SKIP_WORDS",
    "ApertiumEngine",
    "Compose",
    "MTEngine",
    "MTError",
    "MTUnavailable",
    "MythesSynonyms",
    "Rewrite",
    "Rewriter",
    "RoundTripTranslator",
    "SideEffectSpinner",
    "Substitution",
    "SynonymSource",
    "SynonymSpinner",
    "ThesaurusUnavailable",
    "WordNetSynonyms",
    "WordNetUnavailable",
    "available_pivots",
    "compose_rewrites",
    "load_wordnet",
    "select_paragraphs",
    "thesaurus_spinner",
    "wordnet_spinner",
]
