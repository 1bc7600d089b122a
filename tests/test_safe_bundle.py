"""A model folder cannot run code when loaded, and scoring loads no training code."""

from __future__ import annotations

import json
import os
import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import make_original, make_translated, spin

from mtdetect import Detector
from mtdetect.cli import main
from mtdetect.model.bundle import BundleError, sha256_file
from mtdetect.model.detector import HEAD_FILE

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"

NO_PICKLE = """
import pickle, sys, joblib
def refuse(*a, **k):
    raise AssertionError("pickle was used")
class Refused(pickle.Unpickler):  # a subclass, so that libraries that subclass it still import
    def __init__(self, *a, **k):
        refuse()
    def load(self):
        refuse()
pickle.load = pickle.loads = joblib.load = refuse
pickle.Unpickler = Refused
import mtdetect
text = open(sys.argv[1], encoding="utf-8").read()
result = mtdetect.analyze(text)
fast = mtdetect.score(text, fast=True)
print(result.label, round(result.score, 6), round(fast, 6), len(result.evidence))
training = sorted(m for m in sys.modules if m.startswith("mtdetect.training"))
print("training modules:", training)
"""


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)


def test_shipped_model_scores_with_pickle_disabled_and_no_training_code():
    done = _run(NO_PICKLE, str(EXAMPLES / "harbour_spun.txt"))
    assert done.returncode == 0, done.stderr
    verdict, training = done.stdout.strip().splitlines()
    label, full, fast, _ = verdict.split()
    assert label in {"original", "spun", "translated"} and 0.0 <= float(full) <= 1.0
    assert 0.0 <= float(fast) <= 1.0
    assert training == "training modules: []"


def test_shipped_bundle_holds_no_pickle():
    from mtdetect.model.bundle import default_model_dir

    for path in default_model_dir().iterdir():
        assert path.suffix not in {".joblib", ".pkl", ".pickle", ".skops"}, path
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                assert all(data[k].dtype != object for k in data.files)


class Payload:
    """Unpickling this writes a marker file: the first step of running an attacker's code."""

    def __reduce__(self):
        return (Path.write_text, (Path(os.environ["MTDETECT_TEST_MARKER"]), "ran"))


def _replace_head(folder: Path, write) -> None:
    write(folder / HEAD_FILE)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][HEAD_FILE] = sha256_file(folder / HEAD_FILE)
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "write",
    [
        lambda path: path.write_bytes(pickle.dumps(Payload())),  # a pickle named head.npz
        lambda path: np.savez(open(path, "wb"), spec=np.array([Payload()], dtype=object)),  # noqa: SIM115
    ],
    ids=["pickle", "object-array"],
)
def test_a_crafted_head_is_refused_and_never_runs(bundle, tmp_path, monkeypatch, write):
    live = tmp_path / "live"
    monkeypatch.setenv("MTDETECT_TEST_MARKER", str(live))
    pickle.loads(pickle.dumps(Payload()))
    assert live.read_text() == "ran"  # the payload does run when unpickled
    marker = tmp_path / "marker"
    monkeypatch.setenv("MTDETECT_TEST_MARKER", str(marker))
    copy = tmp_path / "evil"
    shutil.copytree(bundle, copy)
    _replace_head(copy, write)
    with pytest.raises(BundleError, match="refused, it holds pickled Python objects"):
        Detector.load(copy)
    assert not marker.exists()


def test_format_1_bundle_is_refused_with_the_command_that_converts_it(bundle, tmp_path, capsys):
    old, _ = _format_1_copy(bundle, tmp_path / "old")
    assert main(["score", "--model", str(old), str(EXAMPLES / "harbour_spun.txt")]) == 1
    err = capsys.readouterr().err
    assert "bundle format 1 stores pickles" in err and f"mtdetect convert {old} NEW_FOLDER" in err


def test_convert_rewrites_a_trusted_format_1_bundle_with_the_same_scores(bundle, tmp_path, capsys):
    old, pickled = _format_1_copy(bundle, tmp_path / "old")
    new = tmp_path / "new"
    assert main(["convert", str(old), str(new)]) == 0
    assert "head.joblib" in capsys.readouterr().out
    assert not list(new.glob("*.joblib"))
    converted = Detector.load(new)
    x = np.random.default_rng(0).normal(size=(50, len(converted.columns)))
    np.testing.assert_allclose(converted.head.predict_proba(x), pickled["head"].predict_proba(x), atol=1e-12)
    words = np.random.default_rng(1).normal(size=(50, len(converted.words.columns)))
    np.testing.assert_allclose(
        converted.words.model.predict_proba(words), pickled["words"].predict_proba(words), atol=1e-12
    )
    rng = random.Random(5)
    texts = [make_original(rng), spin(make_original(rng)), make_translated(rng)]
    assert [a.score is not None for a in converted.analyze_many(texts)] == [True, True, True]


def _format_1_copy(bundle: Path, folder: Path) -> tuple[Path, dict]:
    """A format-1 bundle as older mtdetect wrote it: the bundle's files, its head and word scorer as
    joblib pickles of scikit-learn models (fitted here on random rows of the same widths)."""
    import joblib
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import HistGradientBoostingClassifier

    from mtdetect.training.heads import base_model

    shutil.copytree(bundle, folder)
    detector = Detector.load(bundle)
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(300, len(detector.columns))), np.array(["original", "spun", "translated"] * 100)
    words = rng.normal(size=(300, len(detector.words.columns)))
    pickled = {
        "head": CalibratedClassifierCV(base_model("gbdt", 0), method="isotonic", cv=3).fit(x, y),
        "words": HistGradientBoostingClassifier(max_iter=20).fit(words, words[:, 0] > 0),
    }
    for name, model in pickled.items():
        (folder / f"{name}.npz").unlink()
        joblib.dump(model, folder / f"{name}.joblib")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["format_version"] = 1
    manifest["files"] = {p.name: sha256_file(p) for p in folder.iterdir() if p.name != "manifest.json"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder, pickled
