"""Converting a format-1 bundle (joblib pickles) into the current format (arrays, no pickle).

Unpickling can run code, so this is the one place in mtdetect that unpickles, and only when a user asks
for it by name (`mtdetect convert OLD NEW`) about a bundle they trust. The old manifest's hashes are
checked first; the components are then exported to arrays (`training/export.py`), which accepts only
the estimator types mtdetect trains, and the new folder gets a fresh manifest.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mtdetect.model import estimators
from mtdetect.model.bundle import MANIFEST, BundleError, sha256_file, write_manifest
from mtdetect.training.export import export

PICKLED = {
    "head.joblib": "head.npz",
    "head_fast.joblib": "head_fast.npz",
    "words.joblib": "words.npz",
    "words_fast.joblib": "words_fast.npz",
}


def convert_bundle(old: Path, new: Path) -> list[str]:
    """Write `old` (format 1) as a current bundle at `new`; return the names of the converted files."""
    import joblib

    manifest = json.loads((old / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format_version") != 1:
        raise BundleError(f"{old}: not a format-1 bundle (format {manifest.get('format_version')})")
    for name, expected in manifest.get("files", {}).items():
        if Path(name).name != name or sha256_file(old / name) != expected:
            raise BundleError(f"{old / name}: does not match its manifest; not converting")
    if new.exists() and any(new.iterdir()):
        raise BundleError(f"{new}: exists and is not empty")
    new.mkdir(parents=True, exist_ok=True)
    converted = []
    for name in manifest["files"]:
        if name in PICKLED:
            estimators.save(export(joblib.load(old / name)), new / PICKLED[name])
            converted.append(name)
        else:
            shutil.copy2(old / name, new / name)
    for key in ("format", "format_version", "files"):
        manifest.pop(key, None)
    write_manifest(new, manifest)
    return converted
