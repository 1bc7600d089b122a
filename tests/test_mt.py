"""Tests for mtdetect.training.rewrite.mt: round-trip machine translation through Apertium."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence

import pytest

from mtdetect.training.rewrite import MTEngine, MTError, MTUnavailable, Rewriter, RoundTripTranslator
from mtdetect.training.rewrite.mt import (
    SEPARATOR,
    ApertiumEngine,
    available_pivots,
    batch_input,
    clean_output,
    join_units,
    split_output,
    split_units,
)

ARTICLE = (
    "The minister said the new plan would go ahead next week.\n"
    "Police confirmed that the road will reopen on Monday after the repairs.\n"
    "\n"
    "Officials warned that prices rose sharply in May and could rise again."
)


class FakeEngine:
    """An MTEngine that tags each text with its direction and records every call."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], str, str]] = []

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        self.calls.append((tuple(texts), source, target))
        return [f"[{source}>{target}] {t}" for t in texts]


# --------------------------------------------------------------------------- pure functions


def test_clean_output_strips_markers_glued_to_words() -> None:
    assert clean_output("El *Frobnicator dijo #ir @the plan.") == "El Frobnicator dijo ir the plan."
    assert clean_output("**Xyzzy and #*METoo") == "Xyzzy and METoo"


def test_clean_output_keeps_marked_tokens_of_the_source() -> None:
    source = "The #MeToo tag by @jsmith, see info@example.com or http://x.org/a#b."
    out = "El #MeToo tag por @jsmith, ve info@example.com o http://x.org/a#b *aquí."
    assert (
        clean_output(out, source) == "El #MeToo tag por @jsmith, ve info@example.com o http://x.org/a#b aquí."
    )


def test_clean_output_leaves_non_word_markers_and_fixes_spacing() -> None:
    assert clean_output("Rated 5 * 3 stars , he said .") == "Rated 5 * 3 stars, he said."
    assert clean_output("it was  fine ; ok") == "it was fine; ok"
    assert clean_output("a ... b") == "a ... b"


def test_split_and_join_units_round_trip_structure() -> None:
    texts = ["  First para.\nSecond para. \n\nThird.", "", "Only one."]
    units, plans = split_units(texts)
    assert units == ["First para.", "Second para.", "Third.", "Only one."]
    assert join_units(units, plans) == texts
    assert join_units([u.upper() for u in units], plans) == [
        "  FIRST PARA.\nSECOND PARA. \n\nTHIRD.",
        "",
        "ONLY ONE.",
    ]


def test_split_units_neutralises_the_separator() -> None:
    units, _ = split_units([f"a {SEPARATOR} b"])
    assert units == ["a § b"]


def test_batch_input_and_split_output() -> None:
    payload = batch_input(["One.", "Two."])
    assert payload == f"One.\n\n{SEPARATOR}\n\nTwo."
    assert split_output(payload.replace("One", "Uno") + "\n", 2) == ["Uno.", "Two."]
    assert split_output("A\nB", 1) == ["A B"]
    assert split_output("", 0) == []
    with pytest.raises(MTError, match="2 units for 3"):
        split_output(payload, 3)


# --------------------------------------------------------------------------- translator bookkeeping


def test_round_trip_translator_with_fake_engine() -> None:
    engine = FakeEngine()
    assert isinstance(engine, MTEngine)
    rt = RoundTripTranslator(engine, "spa")
    assert isinstance(rt, Rewriter)
    assert rt.name == "fake-spa"
    results = rt.rewrite_many(["Hello.", "World."])
    assert [r.text for r in results] == ["[spa>eng] [eng>spa] Hello.", "[spa>eng] [eng>spa] World."]
    assert all(r.generator == "fake-spa" and r.substitutions == () for r in results)
    # one call per direction for the whole batch
    assert [(c[1], c[2]) for c in engine.calls] == [("eng", "spa"), ("spa", "eng")]
    assert engine.calls[1][0] == ("[eng>spa] Hello.", "[eng>spa] World.")
    single = rt.rewrite("Hello.", seed=7)
    assert single == results[0]
    assert rt.rewrite_many([]) == []


def test_round_trip_translator_rejects_english_pivot() -> None:
    with pytest.raises(ValueError, match="English"):
        RoundTripTranslator(FakeEngine(), "eng")


def test_round_trip_translator_checks_batch_size() -> None:
    class Lossy(FakeEngine):
        def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
            return list(texts[:-1])

    with pytest.raises(MTError, match="1 texts for 2"):
        RoundTripTranslator(Lossy(), "spa").rewrite_many(["a", "b"])


def test_missing_binary_raises_unavailable_with_hint() -> None:
    engine = ApertiumEngine(binary="no-such-apertium-binary")
    with pytest.raises(MTUnavailable, match="apt-get install apertium"):
        engine.translate(["Hello."], "eng", "spa")
    assert available_pivots(engine) == []


def test_mode_resolution_with_listed_modes() -> None:
    engine = ApertiumEngine()
    engine._modes = (
        "eng-spa",
        "spa-eng",
        "spa-eng_US",
        "en-gl",
        "gl-en",
        "eng-cat_valencia",
        "en-eo-bytecode",
    )
    assert engine.mode("eng", "spa") == "eng-spa"
    assert engine.mode("spa", "eng") == "spa-eng_US"
    assert engine.mode("glg", "eng") == "gl-en"
    assert engine.pivots() == ["glg", "spa"]
    with pytest.raises(MTUnavailable, match="apertium-eo-en"):
        engine.mode("eng", "epo")
    plain = ApertiumEngine(english_variant=None)
    plain._modes = engine._modes
    assert plain.mode("spa", "eng") == "spa-eng"


# --------------------------------------------------------------------------- real engine


def _engine_or_skip(pivot: str) -> ApertiumEngine:
    if shutil.which("apertium") is None:
        pytest.skip("apertium is not installed (apt-get install apertium apertium-eng-spa ...)")
    engine = ApertiumEngine()
    if pivot not in engine.pivots():
        pytest.skip(f"no Apertium eng<->{pivot} modes installed")
    return engine


@pytest.mark.parametrize("pivot", ["spa", "cat", "glg", "epo", "hbs"])
def test_apertium_round_trip(pivot: str) -> None:
    engine = _engine_or_skip(pivot)
    rt = RoundTripTranslator(engine, pivot)
    result = rt.rewrite(ARTICLE, seed=0)
    assert result.generator == f"apertium-{pivot}"
    assert result.substitutions == ()
    assert result.text != ARTICLE
    assert result.text.split("\n")[2] == ""  # blank line kept
    assert len(result.text.split("\n")) == len(ARTICLE.split("\n"))
    assert not re.search(r"(?<!\S)[*#@]\w", result.text)
    words = re.findall(r"[a-z]+", result.text.lower())
    assert len(words) >= 25
    # mostly English: the commonest English words come back
    assert {"the", "that"} <= set(words)
    assert rt.rewrite(ARTICLE, seed=99) == result


def test_apertium_batch_matches_single_calls() -> None:
    engine = _engine_or_skip("spa")
    rt = RoundTripTranslator(engine, "spa")
    texts = [ARTICLE, "The weather was cold.", "", "Prices rose.\nThe council met."]
    batch = rt.rewrite_many(texts)
    assert [r.text for r in batch] == [rt.rewrite(t, 0).text for t in texts]
    assert batch[2].text == ""
    assert batch[3].text.count("\n") == 1


def test_apertium_forward_translation_is_spanish() -> None:
    engine = _engine_or_skip("spa")
    (out,) = engine.translate(["The minister said the plan would go ahead."], "eng", "spa")
    assert out.startswith("El ministro")
    with pytest.raises(MTUnavailable, match="apt-get install"):
        engine.translate(["Hello."], "eng", "xyz")
