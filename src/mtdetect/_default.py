"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "556b09c9d65dc1f9eab0bcd4fd840d89e80fb78680bee24b66a803adcd42cd5b"
