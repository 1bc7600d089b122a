"""The score's threshold and each kind's own cut: chosen within one false-alarm budget per source."""

import numpy as np

from mtdetect.model.detector import LABELS, Threshold
from mtdetect.training.heads import choose_threshold, with_kind_cuts


def rows(n: int, label: str, source: str, p_spun: np.ndarray, p_translated: np.ndarray) -> dict:
    return {"y": [label] * n, "src": [source] * n, "spun": p_spun, "translated": p_translated}


def joined(*parts: dict) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    y = np.concatenate([p["y"] for p in parts])
    src = np.concatenate([p["src"] for p in parts])
    kinds = {k: np.concatenate([p[k] for p in parts]) for k in ("spun", "translated")}
    return y, src, kinds


def population() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Human translations look translated (they set the score's cut), wiki originals look a little spun."""
    rng = np.random.default_rng(0)
    return joined(
        rows(500, "original", "human_translation", rng.uniform(0, 0.1, 500), rng.uniform(0, 0.97, 500)),
        rows(1000, "original", "wiki", rng.uniform(0, 0.8, 1000), rng.uniform(0, 0.1, 1000)),
        rows(300, "spun", "wiki", rng.uniform(0.5, 1.0, 300), rng.uniform(0, 0.1, 300)),
    )


def flagged(threshold: Threshold, kinds: dict[str, np.ndarray]) -> np.ndarray:
    proba = np.c_[1 - kinds["spun"] - kinds["translated"], kinds["spun"], kinds["translated"]]
    return np.array([threshold.label(r) != "original" for r in proba])


def test_kind_cuts_use_the_budget_the_score_leaves_and_keep_every_source_within_it():
    y, src, kinds = population()
    scores = kinds["spun"] + kinds["translated"]
    plain = choose_threshold(scores, y, src, 0.01, 5)
    both = with_kind_cuts(plain, scores, kinds, y, src, 0.01)
    assert both.value == plain.value and both.kinds is not None and both.kinds["spun"] < plain.value
    human = y == "original"
    hits = flagged(both, kinds)
    for source in ("human_translation", "wiki"):
        assert hits[human & (src == source)].mean() <= 0.01
    caught = y == "spun"
    assert hits[caught].mean() > flagged(plain, kinds)[caught].mean() + 0.2


def test_a_kind_cut_that_would_flag_nothing_more_is_left_out():
    y, src, kinds = population()
    kinds = {k: p * 0.4 for k, p in kinds.items()}  # no original is likelier rewritten than not
    scores = kinds["spun"] + kinds["translated"]
    plain = choose_threshold(scores, y, src, 0.01, 5)
    assert plain.value == 0.5 and with_kind_cuts(plain, scores, kinds, y, src, 0.01).kinds is None


def test_threshold_label_and_manifest_round_trip():
    t = Threshold(0.9, "rule", {"pooled": 0.9}, {"spun": 0.7})
    assert Threshold.from_json({**t.__dict__}) == t
    assert Threshold.from_json({"value": 0.9, "rule": "old bundle"}).kinds is None
    row = dict.fromkeys(LABELS, 0.0) | {"original": 0.2, "spun": 0.75, "translated": 0.05}
    assert t.label(np.array([row[k] for k in LABELS])) == "spun"
    assert Threshold(0.9, "rule").label(np.array([row[k] for k in LABELS])) == "original"
