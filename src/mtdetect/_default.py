"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "17138f8ae44a4b7274cf27d8587af8cbb93d789c3d995db67f8f3f599c789582"
