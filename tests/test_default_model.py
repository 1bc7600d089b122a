"""The shipped model: found without arguments, pinned by hash, and sane on the project's own examples."""

import json
from pathlib import Path

import pytest

from mtdetect import Detector, analyze
from mtdetect._default import DEFAULT_MANIFEST_SHA256
from mtdetect.model.bundle import default_model_dir, sha256_file

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def test_default_model_is_found_and_pinned():
    folder = default_model_dir()
    assert sha256_file(folder / "manifest.json") == DEFAULT_MANIFEST_SHA256
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["metrics"]["validation"]["auroc"] > 0.9
    assert sum(p.stat().st_size for p in folder.iterdir()) < 50 * 2**20


def test_default_model_stacks_the_encoder_and_keeps_a_fast_head():
    full, fast = Detector.load(), Detector.load(fast=True)
    assert full.encoder is not None and fast.encoder is None
    assert full.encoder.settings.windows >= 1
    manifest = full.manifest
    assert manifest["fast"]["metrics"]["validation"]["auroc"] > 0.9
    assert manifest["metrics"]["validation"]["auroc"] > manifest["fast"]["metrics"]["validation"]["auroc"]
    text = (EXAMPLES / "harbour_spun.txt").read_text(encoding="utf-8")
    assert full.score(text) > 0.5 and fast.score(text) > 0.5


def test_default_model_scores_text_without_arguments():
    text = (EXAMPLES / "harbour_original.txt").read_text(encoding="utf-8")
    result = analyze(text)
    assert result.label == "original" and 0.0 <= result.score < 0.5 and result.flags == []


def test_spun_example_scores_higher_than_its_original():
    detector = Detector.load()
    original = detector.analyze((EXAMPLES / "harbour_original.txt").read_text(encoding="utf-8"))
    spun = detector.analyze((EXAMPLES / "harbour_spun.txt").read_text(encoding="utf-8"))
    assert spun.score > original.score + 0.2


def test_tampered_default_model_is_refused(monkeypatch, tmp_path):
    import shutil

    from mtdetect.model import bundle
    from mtdetect.model.bundle import BundleError

    copy = tmp_path / "default"
    shutil.copytree(default_model_dir(), copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["threshold"]["value"] = 0.01
    (copy / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(bundle, "default_model_dir", lambda: copy)
    with pytest.raises(BundleError, match="does not match the hash pinned"):
        Detector.load(copy)
