"""Spinners that rewrite human text into labelled spun-article training positives."""

from mtdetect.rewrite.base import Rewrite, Rewriter, Substitution, SynonymSource
from mtdetect.rewrite.spinner import (
    DEFAULT_SKIP_WORDS,
    Compose,
    SideEffectSpinner,
    SynonymSpinner,
    compose_rewrites,
    select_paragraphs,
    wordnet_spinner,
)
from mtdetect.rewrite.wordnet import WordNetSynonyms, WordNetUnavailable, load_wordnet

__all__ = [
    "DEFAULT_SKIP_WORDS",
    "Compose",
    "Rewrite",
    "Rewriter",
    "SideEffectSpinner",
    "Substitution",
    "SynonymSource",
    "SynonymSpinner",
    "WordNetSynonyms",
    "WordNetUnavailable",
    "compose_rewrites",
    "load_wordnet",
    "select_paragraphs",
    "wordnet_spinner",
]
