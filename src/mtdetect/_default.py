"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "5b502cfe9895ebc57b41736650f0b8bae5ec4bde1101800522968206962fd06f"
