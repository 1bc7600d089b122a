"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "d5caf5d28fb212cb85d8261ed7cbb92961c0dd960a8a190a76e0ed1d8914d290"
