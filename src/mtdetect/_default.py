"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "c470d79cc889cca102cf2a686fde4b3b0e7d9b3339397282beb76246a9baca40"
