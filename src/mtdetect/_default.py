"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "b4b6f09c1a40c3e3ce9d902f551eff986c775109aa677c59aa613aaf26a38032"
