import pytest

from mtdetect.training.pairs import REWRITERS, build_rewriters, document_seed, family_of, make_pairs
from mtdetect.training.rewrite import Rewrite


class Upper:
    name = "upper"

    def rewrite(self, text: str, seed: int) -> Rewrite:
        return Rewrite(text.upper(), (), self.name)


class FlakyBatch:
    """A batch rewriter that fails whenever a batch contains the word 'boom'."""

    name = "flaky"

    def __init__(self):
        self.calls = 0

    def rewrite(self, text: str, seed: int) -> Rewrite:
        return self.rewrite_many([text])[0]

    def rewrite_many(self, texts):
        self.calls += 1
        if any("boom" in t for t in texts):
            raise RuntimeError("engine crashed")
        return [Rewrite(t[::-1], (), self.name) for t in texts]


DOCS = [(f"d{i}", f"text number {i}", "test") for i in range(20)]


def test_make_pairs_is_deterministic_and_keeps_input_order():
    rows = list(make_pairs(DOCS, {"upper": Upper()}, seed=3))
    assert [r["id"] for r in rows] == [d[0] for d in DOCS]
    assert rows[0] == {
        "original": "text number 0",
        "rewritten": "TEXT NUMBER 0",
        "kind": "spun",
        "id": "d0",
        "source": "test",
        "generator": "upper",
    }
    assert rows == list(make_pairs(DOCS, {"upper": Upper()}, seed=3))


def test_rewriter_choice_depends_on_seed_and_id_only():
    two = {"upper": Upper(), "flaky": FlakyBatch()}
    first = {r["id"]: r["generator"] for r in make_pairs(DOCS, two, seed=1)}
    again = {r["id"]: r["generator"] for r in make_pairs(DOCS[5:], two, seed=1)}
    assert all(first[k] == v for k, v in again.items())
    assert set(first.values()) == {"upper", "flaky"}


def test_batch_failures_skip_only_the_culprit():
    docs = [*DOCS[:7], ("bad", "this one goes boom", "test"), *DOCS[7:]]
    rows = list(make_pairs(docs, {"flaky": FlakyBatch()}))
    assert [r["id"] for r in rows] == [d[0] for d in DOCS]
    assert rows[0]["rewritten"] == "0 rebmun txet"


def test_unchanged_texts_are_skipped():
    assert list(make_pairs([("x", "123 !", "t")], {"upper": Upper()})) == []


def test_registry_names_and_errors():
    assert family_of("thesaurus-listed-15+fx") == "thesaurus-listed"
    assert {family_of(n) for n in REWRITERS} >= {"wordnet-random", "thesaurus-frequency", "apertium-spa"}
    with pytest.raises(ValueError, match="unknown generator"):
        build_rewriters(["nope"])
    with pytest.raises(ValueError, match="at least one rewriter"):
        list(make_pairs(DOCS, {}))
    assert document_seed(0, "a") != document_seed(0, "b")
