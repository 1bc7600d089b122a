"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "7292b2cf836995606da658ff7cb96aa9950336564823a7f6628a4ae04dabef55"
