"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "88a9b9ae3bf9688151a7919a03a634869aff129b2dc354e266aae3a3b4236800"
