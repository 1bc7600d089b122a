"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "dfd1751828ee9d503ae5881232ffef9f9639f3cf881363838b153e88a374a9df"
