"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "9e4084d6bd9965b6aba20d4369c5721ab7dcc004728c2d89abee057be786051b"
