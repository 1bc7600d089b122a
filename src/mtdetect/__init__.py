"""mtdetect: score English articles for mechanical rewriting (article spinning, machine translation)."""

from mtdetect._version import __version__
from mtdetect.model.detector import Analysis, Detector, TextNotScorable, analyze, score

__all__ = ["Analysis", "Detector", "TextNotScorable", "__version__", "analyze", "score"]
