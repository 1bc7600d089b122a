"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "300cd81262b13f57709e28708a4dfca6f004a4fe84461f438741c8a0540c205c"
