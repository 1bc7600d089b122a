"""The SHA-256 of the shipped model's manifest.json, written by scripts/build_default_model.py."""

DEFAULT_MANIFEST_SHA256 = "068e3dee3ef5d42037be3a15d4fab46b47a5de3f7627c5184022c4f53ee30545"
