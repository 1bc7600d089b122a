#!/usr/bin/env bash
# Set up mtdetect from a fresh clone: system packages (when root), a venv in .venv, the CPU torch wheel
# first (an unpinned torch would pull a multi-GB CUDA build), then mtdetect with its test extras.
# MTDETECT_SKIP_APT=1 skips the system packages; they are only needed to build training data
# (WordNet, the Mythes thesaurus, Apertium engines) and for the browser test of the HTML report
# (MTDETECT_BROWSER=1 adds Chromium). Tests that need them skip when they are absent.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${MTDETECT_SKIP_APT:-0}" != 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    packages=(wordnet-base mythes-en-us apertium apertium-eng-spa apertium-eng-cat apertium-en-gl apertium-eo-en
              apertium-hbs-eng)
    [[ "${MTDETECT_BROWSER:-0}" == 1 ]] && packages+=(chromium)
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
.venv/bin/pip install -q torch==2.13.0
# A regular (non-editable) install: the shipped model must be found as package data.
# MTDETECT_EXTRAS=test,ray adds the Ray Data backend (about 80 MB).
.venv/bin/pip install -q ".[${MTDETECT_EXTRAS:-test}]"
