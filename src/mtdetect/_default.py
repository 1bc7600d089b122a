"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = ""
