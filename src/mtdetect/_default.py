"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "36fa4e850c146acb3aa3daf5134db78eeb180ad3a5567073d0fe43635fc0d3d0"
