"""The thesaurus-free spinner: neighbours in word vectors trained on the user's own text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mtdetect.training.pairs import DEFAULT_SPINNERS, REWRITERS, VECTORS_ENV, build_rewriters
from mtdetect.training.rewrite.vectors import (
    VectorsUnavailable,
    VectorSynonyms,
    main,
    train_vectors,
    vectors_spinner,
)

SIZES = ("big", "large", "huge", "bigger")
PLACES = ("city", "town", "village")
ACTS = ("visited", "reached", "entered")


def corpus(n: int = 600, seed: int = 0) -> list[str]:
    """Sentences in which each group's words share every context, so the vectors learn them as neighbours."""
    rng = random.Random(seed)
    return [
        " ".join(
            f"The {rng.choice(SIZES)} army {rng.choice(ACTS)} the old {rng.choice(PLACES)} at dawn."
            for _ in range(5)
        )
        for _ in range(n)
    ]


@pytest.fixture(scope="module")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vectors") / "w2v.bin"
    assert train_vectors(corpus(), path, dim=16, window=2, min_count=1, epochs=20) >= 12
    return path


def test_training_is_reproducible(vectors: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.bin"
    train_vectors(corpus(), again, dim=16, window=2, min_count=1, epochs=20)
    assert again.read_bytes() == vectors.read_bytes()


def test_neighbours_share_contexts_but_not_a_lemma(vectors: Path) -> None:
    source = VectorSynonyms(vectors, min_similarity=0.5)
    # "bigger" is as close as "large" in these vectors, but it is an inflection of "big"
    assert set(source.synonyms("big")) == {"large", "huge"}
    assert set(source.synonyms("town")) == {"city", "village"}
    assert not set(VectorSynonyms(vectors, min_similarity=0.0).synonyms("army")) & {"the", "at"}
    assert source.synonyms("upper hand") == () and source.synonyms("unseen") == ()


def test_the_spinner_swaps_neighbours_and_records_them(vectors: Path) -> None:
    spinner = vectors_spinner(vectors, rate=0.5)
    text = corpus(1, seed=3)[0]
    first, second = spinner.rewrite(text, seed=1), spinner.rewrite(text, seed=1)
    assert first == second and first.text != text
    assert first.generator.startswith("vectors")
    for sub in first.substitutions:
        assert first.text[sub.start : sub.end] == sub.replacement
        assert sub.original.lower() in {*SIZES, *PLACES, *ACTS, "army", "old", "dawn"}
        assert sub.replacement.lower() != sub.original.lower()


def test_vectors_spinners_are_asked_for_by_name_with_their_file(vectors: Path, monkeypatch) -> None:
    assert "vectors-10" in REWRITERS and not any(n.startswith("vectors") for n in DEFAULT_SPINNERS)
    monkeypatch.delenv(VECTORS_ENV, raising=False)
    with pytest.raises(VectorsUnavailable, match=VECTORS_ENV):
        build_rewriters(["vectors-10"])
    monkeypatch.setenv(VECTORS_ENV, str(vectors))
    assert build_rewriters(["vectors-10"])["vectors-10"].rewrite(corpus(1)[0], 0).substitutions
    with pytest.raises(VectorsUnavailable, match="no word vectors"):
        VectorSynonyms(vectors.parent / "missing.bin")


def test_the_command_trains_from_a_folder_of_articles(tmp_path: Path, capsys) -> None:
    for k, text in enumerate(corpus(50)):
        (tmp_path / f"{k}.txt").write_text(text)
    assert main([str(tmp_path / "w2v.bin"), str(tmp_path)]) == 0
    assert "word vectors" in capsys.readouterr().out and (tmp_path / "w2v.bin").stat().st_size > 0
