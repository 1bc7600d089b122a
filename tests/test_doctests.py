"""The worked examples in docstrings are run as tests."""

import doctest
import importlib

import pytest

MODULES = [
    "mtdetect.text",
    "mtdetect.lexicon",
    "mtdetect.align",
    "mtdetect.metrics",
    "mtdetect.features",
    "mtdetect.data",
    "mtdetect.documents",
    "mtdetect.synonyms",
    "mtdetect.pairs",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no worked examples"
    assert result.failed == 0
