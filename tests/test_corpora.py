"""Tests for mtdetect.training.corpora: detokenisation, the wiki/Europarl/TED readers, grouping and errors."""

from __future__ import annotations

import doctest
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

import mtdetect.training.corpora
from mtdetect.training.corpora import (
    Doc,
    detokenize,
    europarl_documents,
    normalize_typography,
    read_wiki,
    ted_documents,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


# --- detokenize ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tokenised", "expected"),
    [
        ("as I said , I would have liked it .", "As I said, I would have liked it."),
        ("it 's true that there are n't many , is n't it ?", "It's true that there aren't many, isn't it?"),
        (
            "we don 't know ; I 'd say we 're , I 'm , they 've , we 'll see !",
            "We don't know; I'd say we're, I'm, they've, we'll see!",
        ),
        ("growth of 12.5 % ( in 2001 ) [ sic ] :", "Growth of 12.5% (in 2001) [sic]:"),
        (
            'the so-called " United Commissions " are not " real " .',
            'The so-called "United Commissions" are not "real".',
        ),
        ('" he could have done it .', '"He could have done it.'),
        ('of 110,000 jobs . "', 'Of 110,000 jobs."'),
        (
            "the workers ' directive and the ' near abroad ' policy .",
            "The workers' directive and the 'near abroad' policy.",
        ),
        (
            "the Commission \u2019 s view : we can \u2019 t accept \u201c this \u201d \u2026",
            "The Commission's view: we can't accept \"this\"...",
        ),
        ("in the Côte d 'Ivoire at 5 o 'clock .", "In the Côte d'Ivoire at 5 o'clock."),
        ("HIV / AIDS costs € 1 billion and £ 600 .", "HIV/AIDS costs €1 billion and £600."),
        ("the area of \u200b \u200b feed production .", "The area of feed production."),
        ("2004 was a good year .", "2004 was a good year."),
    ],
)
def test_detokenize_known_answers(tokenised: str, expected: str) -> None:
    assert detokenize(tokenised) == expected


def test_detokenize_keeps_already_clean_text() -> None:
    clean = 'He said, "It\'s fine (mostly)."'
    assert detokenize(clean) == clean


def test_normalize_typography_folds_quotes_and_keeps_lines() -> None:
    assert normalize_typography("It\u2019s \u201cok\u201d\u2026\u00a0a\u2014b\n  next  line ") == (
        'It\'s "ok"... a\u2013b\nnext line'
    )


def test_docstring_examples() -> None:
    assert doctest.testmod(mtdetect.training.corpora).failed == 0


# --- read_wiki -----------------------------------------------------------------------------------


def wiki_row(n: int, text: str) -> dict:
    return {
        "id": f"wikinews-{n}",
        "title": "T",
        "url": f"https://en.wikinews.org/wiki?curid={n}",
        "text": text,
    }


def test_read_wiki_keeps_id_url_and_skips_empty(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "wiki.jsonl", [wiki_row(1, "One.\nTwo."), wiki_row(2, "  "), wiki_row(3, "It\u2019s")]
    )
    docs = list(read_wiki(path, "wikinews"))
    assert docs == [
        Doc("One.\nTwo.", "original", "wikinews-1", "wikinews", "https://en.wikinews.org/wiki?curid=1"),
        Doc("It's", "original", "wikinews-3", "wikinews", "https://en.wikinews.org/wiki?curid=3"),
    ]
    assert [d.group for d in read_wiki(path, "wikinews", limit=1)] == ["wikinews-1"]
    assert list(read_wiki(path, "wikinews", limit=0)) == []


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "w-1", "url": null, "text": "ok"}\n\n{"id": "w-2", "text": oops}\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"bad\.jsonl:3: malformed JSON"):
        list(read_wiki(path, "wikipedia"))


def test_missing_field_names_file_and_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"id": "w-1", "text": "ok"}, {"id": "w-2"}])
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: field 'text'"):
        list(read_wiki(path, "wikipedia"))


# --- europarl ------------------------------------------------------------------------------------


def ep(text: str, label: str, system: str) -> dict:
    return {"text": text, "label": label, "system": system}


@pytest.fixture
def europarl_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "europarl"
    folder.mkdir()
    write_jsonl(
        folder / "human.jsonl",
        [
            ep("the shared original sentence is here .", "original", "human"),
            ep("only the human file has this original .", "original", "human"),
            ep("thank you .", "original", "human"),  # two words: dropped
            ep("a human translation of some German .", "human_translation", "human"),
        ],
    )
    write_jsonl(
        folder / "deepl.jsonl",
        [
            ep("The shared original sentence is here.", "original", "deepl"),  # same after normalising
            ep("only the deepl file has this original .", "original", "deepl"),
            ep("a machine translation it 's .", "translated", "deepl"),
            ep("a machine translation it 's .", "translated", "deepl"),  # duplicate within the stream
            ep("only the human file has this original .", "translated", "deepl"),  # equals an original
            ep("a truncated machine translation that stops in the", "translated", "deepl"),  # no final stop
        ],
    )
    return folder


def test_europarl_dedups_originals_and_sets_labels(europarl_dir: Path) -> None:
    docs = europarl_documents(europarl_dir, sentences_per_doc=1)
    by_source = defaultdict(list)
    for doc in docs:
        by_source[doc.source].append(doc)

    originals = sorted(d.text for d in by_source["europarl/original"])
    assert originals == [
        "Only the deepl file has this original.",
        "Only the human file has this original.",
        "The shared original sentence is here.",
    ]
    assert [d.text for d in by_source["europarl/human_translation"]] == [
        "A human translation of some German."
    ]
    assert [d.text for d in by_source["europarl/deepl"]] == ["A machine translation it's."]
    assert set(by_source) == {"europarl/original", "europarl/human_translation", "europarl/deepl"}

    labels = {d.source: d.label for d in docs}
    assert labels == {
        "europarl/original": "original",
        "europarl/human_translation": "original",
        "europarl/deepl": "translated",
    }
    groups = [d.group for d in docs]
    assert len(set(groups)) == len(groups)
    assert "europarl/deepl/translated/0" in groups
    assert "europarl/human/human_translation/0" in groups
    assert all(d.url is None for d in docs)


def sentence_rows(n: int, label: str, system: str) -> list[dict]:
    return [ep(f"sentence number {i} , {label} by {system} .", label, system) for i in range(n)]


def test_europarl_chunks_and_is_deterministic(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "nllb.jsonl",
        sentence_rows(27, "original", "nllb") + sentence_rows(26, "translated", "nllb"),
    )
    docs = europarl_documents(tmp_path, sentences_per_doc=6, seed=3)
    counts = Counter(d.source for d in docs)
    assert counts == {"europarl/original": 4, "europarl/nllb": 4}  # incomplete last chunks are dropped
    for doc in docs:
        paragraphs = doc.text.split("\n")
        assert [p.count(".") for p in paragraphs] == [4, 2]
        assert doc.text.count("Sentence number") == 6

    assert europarl_documents(tmp_path, sentences_per_doc=6, seed=3) == docs
    assert europarl_documents(tmp_path, sentences_per_doc=6, seed=4) != docs
    # each sentence is used at most once
    sentences = [s for d in docs for s in d.text.replace("\n", " ").split(". ")]
    assert len(sentences) == len(set(sentences))


def test_europarl_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        europarl_documents(tmp_path)
    write_jsonl(tmp_path / "x.jsonl", [ep("one two three .", "original", "x"), ep("a b c", "spun", "x")])
    with pytest.raises(ValueError, match=r"x\.jsonl:2: unknown label 'spun'"):
        europarl_documents(tmp_path)


# --- ted -----------------------------------------------------------------------------------------


def ted(talk: str, seg_id: int, system: str, label: str) -> dict:
    return {
        "text": f"{system} says {seg_id}.",
        "label": label,
        "system": system,
        "talk": talk,
        "seg_id": seg_id,
    }


SYSTEMS = [("ref", "human_translation"), ("refB", "human_translation"), ("Facebook-AI", "translated")]


def test_ted_groups_same_chunk_of_all_systems(tmp_path: Path) -> None:
    rows = [
        ted(talk, seg, system, label)
        for talk, segs in (("talk.2", [84, 85, 86]), ("talk.5", [353, 354]))
        for seg in segs
        for system, label in SYSTEMS
    ]
    rows.reverse()  # file order must not matter
    rows = [r for r in rows if not (r["system"] == "refB" and r["seg_id"] == 84)]  # refB misses a segment
    docs = ted_documents(write_jsonl(tmp_path / "segments.jsonl", rows), segments_per_doc=2)

    by_group = defaultdict(dict)
    for doc in docs:
        by_group[doc.group][doc.source] = doc
    assert set(by_group) == {"ted/talk.2/0", "ted/talk.2/1", "ted/talk.5/0"}
    for members in by_group.values():
        assert set(members) == {"ted/human_translation", "ted/Facebook-AI"}
    assert Counter(d.group for d in docs) == {"ted/talk.2/0": 3, "ted/talk.2/1": 3, "ted/talk.5/0": 3}

    fb = by_group["ted/talk.2/0"]["ted/Facebook-AI"]
    assert fb.text == "Facebook-AI says 84. Facebook-AI says 85."
    assert fb.label == "translated"
    # refB's missing segment 84 does not shift its segment 86 into chunk 0
    human0 = sorted(d.text for d in docs if d.group == "ted/talk.2/0" and d.label == "original")
    assert human0 == ["ref says 84. ref says 85.", "refB says 85."]
    assert {d.label for d in docs if d.source == "ted/human_translation"} == {"original"}


def test_ted_rejects_bad_rows(tmp_path: Path) -> None:
    bad_id = ted("talk.1", 1, "ref", "human_translation") | {"seg_id": "1"}
    with pytest.raises(ValueError, match=r"s\.jsonl:1: field 'seg_id' must be int"):
        ted_documents(write_jsonl(tmp_path / "s.jsonl", [bad_id]))
    with pytest.raises(ValueError, match=r"s\.jsonl:2: duplicate segment 1"):
        ted_documents(write_jsonl(tmp_path / "s.jsonl", [ted("talk.1", 1, "SMU", "translated")] * 2))


# --- real data -----------------------------------------------------------------------------------


@pytest.mark.shared
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")
def test_real_corpora_shapes() -> None:
    wiki = list(read_wiki(SHARED_DATA / "wikinews" / "dev.jsonl", "wikinews", limit=20))
    assert len(wiki) == 20 and all(d.group.startswith("wikinews-") and d.url for d in wiki)

    ted_docs = ted_documents(SHARED_DATA / "ted_zhen" / "segments.jsonl")
    per_group = Counter(d.group for d in ted_docs)
    assert set(per_group.values()) == {15}  # 13 MT systems + 2 human translations per chunk
    labels = Counter(d.label for d in ted_docs)
    assert labels["translated"] * 2 == labels["original"] * 13

    europarl = europarl_documents(SHARED_DATA / "europarl")
    sources = {d.source for d in europarl}
    assert {"europarl/original", "europarl/human_translation", "europarl/deepl"} <= sources
    assert len({d.group for d in europarl}) == len(europarl)
    assert all("\u200b" not in d.text and d.text[0].isupper() for d in europarl if d.text[0].isalpha())
