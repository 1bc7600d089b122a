"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "a2ec860e61d35b885aec4a2f6018cc9e0e2334cd5a6a2572f5bd63ada0f5d7af"
