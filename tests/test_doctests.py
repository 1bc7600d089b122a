"""The worked examples in docstrings are run as tests."""

import doctest
import importlib

import pytest

MODULES = [
    "mtdetect.model.text",
    "mtdetect.model.detector",
    "mtdetect.training.mining",
    "mtdetect.training.wordscorer",
    "mtdetect.model.lexicon",
    "mtdetect.training.align",
    "mtdetect.training.metrics",
    "mtdetect.model.features",
    "mtdetect.training.data",
    "mtdetect.batch.documents",
    "mtdetect.model.synonyms",
    "mtdetect.training.pairs",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no worked examples"
    assert result.failed == 0
