#!/usr/bin/env bash
# Set up mtdetect from a fresh clone: system packages (when root), a venv in .venv, the CPU torch wheel
# first (an unpinned torch would pull a multi-GB CUDA build), then mtdetect with its test extras.
# MTDETECT_SKIP_APT=1 skips the system packages; they are only needed to build training data.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${MTDETECT_SKIP_APT:-0}" != 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    # WordNet and a thesaurus for the spinners that make training data.
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wordnet-base mythes-en-us >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/pip install -q torch==2.13.0
# A regular (non-editable) install: the shipped model must be found as package data.
.venv/bin/pip install -q '.[test]'
