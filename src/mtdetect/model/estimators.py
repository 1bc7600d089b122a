"""Fitted heads and word scorers as plain arrays: stored without pickle, scored without scikit-learn.

Training fits scikit-learn models (a calibrated `HistGradientBoostingClassifier`, or a scaled logistic
regression, with isotonic calibration; a gradient-boosted word scorer) and `training/export.py` turns
them into the arrays kept here. A component is one `.npz` file read with `allow_pickle=False`, whose
`spec` entry is JSON, so loading a model folder can never run code. The predictions are those of the
scikit-learn objects, to floating-point rounding (`tests/test_estimators.py` checks it).

Why not skops: importing `skops.io` walks every scikit-learn module, which imports torch when it is
installed (2.2-2.8 s measured, against the 3 s budget of a whole `--fast` run of 500 articles), and
reading the shipped head back took 3.2 s. These arrays load in milliseconds.

Trees are evaluated level by level for all trees and rows at once: each step moves every unfinished
(tree, row) to a child, so the cost is depth x trees x rows in vectorised NumPy, not a Python loop.
Categorical splits are not supported; the exporter refuses models that have them.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "mtdetect-estimator v1"


@dataclass(frozen=True)
class Trees:
    """A gradient-boosted tree ensemble's raw scores: baseline plus the sum of its trees per output.

    Node arrays are (trees, nodes), padded with leaves; `output[t]` is the class column tree t adds to.
    """

    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    is_leaf: np.ndarray
    value: np.ndarray
    output: np.ndarray
    baseline: np.ndarray  # (outputs,)
    depth: int

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw scores, shape (rows, outputs)."""
        x = np.asarray(x, dtype=np.float64)
        n_rows, n_features = x.shape
        flat = self._flat
        cells, row_start = x.ravel(), (np.arange(n_rows) * n_features)[None, :]
        node = np.repeat(flat["roots"], n_rows, axis=1)
        for _ in range(self.depth):
            value = cells[row_start + flat["feature"][node]]
            go_left = np.where(np.isnan(value), flat["missing_left"][node], value <= flat["threshold"][node])
            child = np.where(go_left, flat["left"][node], flat["right"][node])
            node = np.where(flat["is_leaf"][node], node, child)
        leaves = flat["value"][node]  # (trees, rows)
        out = np.tile(self.baseline, (n_rows, 1))
        for k in range(len(self.baseline)):
            out[:, k] += leaves[self.output == k].sum(axis=0)
        return out

    @functools.cached_property
    def _flat(self) -> dict[str, np.ndarray]:
        """The node arrays flattened once, children as flat ids (tree * width + node): 1-D takes."""
        n_trees, width = self.feature.shape
        roots = (np.arange(n_trees) * width)[:, None]
        flat = {
            k: getattr(self, k).ravel() for k in ("feature", "threshold", "missing_left", "is_leaf", "value")
        }
        return {
            **flat,
            "roots": roots,
            "left": (self.left + roots).ravel(),
            "right": (self.right + roots).ravel(),
        }


@dataclass(frozen=True)
class Linear:
    """A standardised linear model's raw scores: ((x - mean) / scale) @ coef.T + intercept."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (outputs, features)
    intercept: np.ndarray

    def raw(self, x: np.ndarray) -> np.ndarray:
        return ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.coef.T + self.intercept


Scorer = Trees | Linear


@dataclass(frozen=True)
class Isotonic:
    """A monotone piecewise-linear map, clipped to its end points (isotonic calibration)."""

    x: np.ndarray
    y: np.ndarray

    def __call__(self, t: np.ndarray) -> np.ndarray:
        if len(self.y) == 1:
            return np.full(len(t), self.y[0])
        return np.interp(np.clip(t, self.x[0], self.x[-1]), self.x, self.y)


@dataclass(frozen=True)
class CalibratedHead:
    """The mean over members of a scorer with its isotonic maps (one member; bundles trained before
    the heads were calibrated out of fold have one per calibration fold)."""

    classes_: np.ndarray
    members: tuple[tuple[Scorer, tuple[Isotonic, ...]], ...]
    n_features_in_: int

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, columns in `classes_` order."""
        total = sum(calibrate(scorer.raw(x), maps) for scorer, maps in self.members)
        return np.asarray(total) / len(self.members)


def calibrate(raw: np.ndarray, maps: tuple[Isotonic, ...]) -> np.ndarray:
    """Class probabilities from one scorer's raw scores (rows, maps): one map for a binary head, whose
    raw column is its second class; otherwise a map per class, normalised to sum to one."""
    proba = np.column_stack([m(raw[:, k]) for k, m in enumerate(maps)])
    if len(maps) == 1:
        return np.column_stack([1.0 - proba[:, 0], proba[:, 0]])
    total = proba.sum(axis=1, keepdims=True)
    return np.divide(proba, total, out=np.full_like(proba, 1 / len(maps)), where=total != 0)


@dataclass(frozen=True)
class BinaryTrees:
    """A binary gradient-boosted classifier: P(class 1) is the logistic of the trees' raw score."""

    trees: Trees
    n_features_in_: int

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.trees.raw(x)[:, 0]))
        return np.column_stack([1.0 - p, p])


Estimator = CalibratedHead | BinaryTrees


def save(estimator: Estimator, path: Path) -> None:
    """Write an estimator as one compressed `.npz` of arrays plus a JSON `spec`."""
    arrays: dict[str, np.ndarray] = {}

    def put_scorer(prefix: str, s: Scorer) -> dict[str, Any]:
        if isinstance(s, Trees):
            for name in ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value"):
                arrays[f"{prefix}{name}"] = getattr(s, name)
            arrays[f"{prefix}output"], arrays[f"{prefix}baseline"] = s.output, s.baseline
            return {"type": "trees", "depth": s.depth}
        for name in ("mean", "scale", "coef", "intercept"):
            arrays[f"{prefix}{name}"] = getattr(s, name)
        return {"type": "linear"}

    if isinstance(estimator, BinaryTrees):
        spec: dict[str, Any] = {"type": "binary_trees", "scorer": put_scorer("s_", estimator.trees)}
        spec["n_features"] = estimator.n_features_in_
    else:
        members = []
        for i, (scorer, maps) in enumerate(estimator.members):
            for k, m in enumerate(maps):
                arrays[f"m{i}_iso{k}_x"], arrays[f"m{i}_iso{k}_y"] = m.x, m.y
            members.append({"scorer": put_scorer(f"m{i}_", scorer), "maps": len(maps)})
        classes = [str(c) for c in estimator.classes_]
        spec = {
            "type": "calibrated",
            "classes": classes,
            "members": members,
            "n_features": estimator.n_features_in_,
        }
    spec["format"] = FORMAT
    np.savez_compressed(path, spec=np.array(json.dumps(spec)), **arrays)


def load(path: Path) -> Estimator:
    """Read an estimator written by `save`; raises ValueError for anything else."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(
                f"{path}: refused, it holds pickled Python objects, which mtdetect never loads"
            ) from exc
        raise
    except AttributeError as exc:  # a plain .npy array instead of an archive of them
        raise ValueError(f"{path}: not an mtdetect estimator") from exc
    try:
        spec = json.loads(str(arrays.pop("spec")))
    except (KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not an mtdetect estimator") from exc
    if spec.get("format") != FORMAT:
        raise ValueError(f"{path}: not an mtdetect estimator ({spec.get('format')!r})")

    def get_scorer(prefix: str, s: dict[str, Any]) -> Scorer:
        if s["type"] == "trees":
            names = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")
            parts = {n: arrays[f"{prefix}{n}"] for n in (*names, "output", "baseline")}
            return Trees(**parts, depth=int(s["depth"]))
        return Linear(*(arrays[f"{prefix}{n}"] for n in ("mean", "scale", "coef", "intercept")))

    if spec["type"] == "binary_trees":
        trees = get_scorer("s_", spec["scorer"])
        assert isinstance(trees, Trees)
        return BinaryTrees(trees, int(spec["n_features"]))
    members = tuple(
        (
            get_scorer(f"m{i}_", m["scorer"]),
            tuple(Isotonic(arrays[f"m{i}_iso{k}_x"], arrays[f"m{i}_iso{k}_y"]) for k in range(m["maps"])),
        )
        for i, m in enumerate(spec["members"])
    )
    return CalibratedHead(np.array(spec["classes"]), members, int(spec["n_features"]))
