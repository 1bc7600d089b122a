"""Model bundles on disk: a folder with `manifest.json` that describes and checksums every file.

Every file of a bundle is data that cannot run code when loaded: the heads and word scorers are arrays
in `.npz` files read with `allow_pickle=False` plus JSON (`estimators.py`), the encoder is safetensors
with JSON, the tables are TSV and `.npz`. The SHA-256 sums in the manifest catch
corruption and, for the shipped model, whose manifest hash is pinned in `mtdetect._default`,
tampering. Format 1 bundles held pickles; they are refused with the command that converts one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from mtdetect._default import DEFAULT_MANIFEST_SHA256
from mtdetect._version import __version__

FORMAT = "mtdetect-bundle"
FORMAT_VERSION = 2  # 2: heads and word scorers as arrays instead of joblib pickles
MANIFEST = "manifest.json"
TRACKED_LIBRARIES = (
    "numpy",
    "scikit-learn",
    "wordfreq",
    "pyahocorasick",
    "torch",
    "transformers",
    "tokenizers",
)

log = logging.getLogger(__name__)


class BundleError(RuntimeError):
    """A model folder is missing, incomplete, corrupt or of an unknown format."""


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries whose behaviour the bundle depends on."""
    versions = {"python": platform.python_version(), "mtdetect": __version__}
    for name in TRACKED_LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def default_model_dir() -> Path:
    """Where the shipped model is: package data in an installed wheel, else the repo's models/default."""
    here = Path(__file__).resolve().parents[1]  # the mtdetect package folder
    for candidate in (here / "_models" / "default", here.parents[1] / "models" / "default"):
        if (candidate / MANIFEST).is_file():
            return candidate
    raise BundleError(
        f"the default model was not found (looked in {here / '_models' / 'default'} and "
        f"{here.parents[1] / 'models' / 'default'}); reinstall mtdetect or pass --model DIR"
    )


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Checksum every other file in `folder` into the manifest and write it."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != MANIFEST)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **manifest,
        "files": {p.name: sha256_file(p) for p in files},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def read_manifest(folder: Path, verify: bool = True) -> dict[str, Any]:
    """Read and check a bundle's manifest; with `verify`, also check every file's hash.

    Raises BundleError with a one-line message naming the path and the problem.
    """
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BundleError(f"{folder}: model folder does not exist")
    if not path.is_file():
        raise BundleError(f"{folder}: not a model folder (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{path}: corrupt manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"{path}: not an mtdetect manifest")
    if manifest.get("format_version") == 1:
        raise BundleError(
            f"{folder}: bundle format 1 stores pickles, which can run code, and is no longer loaded; "
            f"convert a bundle you trust with: mtdetect convert {folder} NEW_FOLDER"
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"{path}: bundle format {manifest.get('format_version')} is not supported "
            f"(this mtdetect reads format {FORMAT_VERSION})"
        )
    if verify:
        _verify_files(folder, manifest)
        if folder.resolve() == _default_dir_or_none() and sha256_file(path) != DEFAULT_MANIFEST_SHA256:
            raise BundleError(
                f"{path}: the shipped model's manifest does not match the hash pinned in mtdetect"
            )
    _warn_on_version_drift(folder, manifest)
    return manifest


def _default_dir_or_none() -> Path | None:
    try:
        return default_model_dir().resolve()
    except BundleError:
        return None


def _verify_files(folder: Path, manifest: dict[str, Any]) -> None:
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise BundleError(f"{folder / MANIFEST}: lists no files")
    for name, expected in files.items():
        if "/" in name or "\\" in name or name.startswith("."):
            raise BundleError(f"{folder / MANIFEST}: unsafe file name {name!r}")
        path = folder / name
        if not path.is_file():
            raise BundleError(f"{path}: file listed in the manifest is missing")
        if sha256_file(path) != expected:
            raise BundleError(f"{path}: SHA-256 does not match the manifest (file changed or corrupt)")


def _warn_on_version_drift(folder: Path, manifest: dict[str, Any]) -> None:
    saved = manifest.get("libraries", {})
    now = library_versions()
    for name in ("scikit-learn", "numpy"):
        if name in saved and saved[name] != now.get(name):
            log.warning(
                "%s was built with %s %s but %s is installed; scores may differ slightly",
                folder,
                name,
                saved[name],
                now.get(name),
            )
