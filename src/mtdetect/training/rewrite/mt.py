"""Round-trip machine translation (English -> pivot -> English) as a generator of "translated" positives.

Design:
  * :class:`MTEngine` is the one interface every engine implements (``translate(texts, source, target)``),
    so a neural engine can be added next to :class:`ApertiumEngine` without touching the rewriter.
  * :class:`ApertiumEngine` runs Debian's offline rule-based Apertium (``apertium -u <mode>``). Language
    codes are ISO 639-3 (``"eng"``, ``"spa"``, ``"cat"``, ``"glg"``, ``"epo"``, ``"hbs"``); the two-letter
    mode names some pairs use ("en-gl", "eo-en") are resolved from ``apertium -l``.
  * Batching: every non-blank line (paragraph) of every text becomes one unit, and all units of a batch go
    through ONE subprocess, joined by a separator line between blank lines (:data:`SEPARATOR`). Apertium
    passes that line through unchanged, and the blank lines end the sentence before it, so no unit's
    translation leaks into the next one (with single newlines Apertium parses neighbouring paragraphs as
    one sentence). The output is split on the separator and the unit count is checked, so the paragraph
    structure (``"\\n"`` between paragraphs, blank lines kept) is preserved exactly.
    Null-flush mode (``-z``) was tried and rejected: Apertium 3.8 drops the NUL bytes from its output.
  * Output cleanup, so the text looks like real (bad) MT output: ``-u`` already drops the unknown-word
    markers (``*``, ``#``, ``@``); :func:`clean_output` also removes any marker left glued to the front of
    a word unless the input had that very token (hashtags and handles such as ``#MeToo``/``@user`` survive),
    and the space Apertium sometimes leaves before punctuation ("confirmed it .").
  * :class:`RoundTripTranslator` is a :class:`~.base.Rewriter`; a rule-based engine is
    deterministic, so the seed is ignored. MT rewrites everything, so it reports no substitutions:
    alignment against the original is done elsewhere.

Deliberate shortcuts:
  * Into English, the ``_US`` variant of a mode is preferred when installed (spa, cat): mainstream MT writes
    US spelling. The other pairs only have British spelling; that difference is left as it is.
  * Untranslatable words pass through in the pivot language ("It darse of the flavor"), and the Serbo-Croatian
    pair often emits bare lemmas: that is what this engine produces, and it is kept, not repaired.
  * Any text containing :data:`SEPARATOR` has it replaced by a single "§" before translation.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from mtdetect.training.rewrite.base import Rewrite

__all__ = [
    "SEPARATOR",
    "ApertiumEngine",
    "MTEngine",
    "MTError",
    "MTUnavailable",
    "RoundTripTranslator",
    "available_pivots",
    "clean_output",
    "join_units",
    "split_units",
]

SEPARATOR = "§§§§§§§§"
"""The line placed (between blank lines) between batched units; Apertium copies it verbatim."""

_JOIN = f"\n\n{SEPARATOR}\n\n"

# ISO 639-3 code -> the ISO 639-1 code some Apertium pairs use in their mode names.
_TWO_LETTER = {"eng": "en", "spa": "es", "cat": "ca", "glg": "gl", "epo": "eo", "hbs": "sh"}
_THREE_LETTER = {two: three for three, two in _TWO_LETTER.items()}
# Debian package of each known English pair, for the install hint.
_PACKAGES = {
    "spa": "apertium-eng-spa",
    "cat": "apertium-eng-cat",
    "glg": "apertium-en-gl",
    "epo": "apertium-eo-en",
    "hbs": "apertium-hbs-eng",
}
_APT_HINT = "apt-get install apertium " + " ".join(_PACKAGES.values())

# A run of marker characters at the start of a word (not inside a URL, e-mail address or word).
_MARKER_RE = re.compile(r"(?<![\w*#@/.:])[*#@]+(?=\w)")
_TOKEN_RE = re.compile(r"\S+")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"(?<=\S) +(?=[,.;:!?)\]](?:\s|$))")
_MULTI_SPACE_RE = re.compile(r"(?<=\S) {2,}(?=\S)")


class MTUnavailable(RuntimeError):
    """The engine or the requested translation direction is not installed."""


class MTError(RuntimeError):
    """The engine failed on its input (non-zero exit, timeout, malformed output)."""


@runtime_checkable
class MTEngine(Protocol):
    """A machine-translation engine: translates a batch of texts between two ISO 639-3 languages."""

    name: str

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Return one translation per text, in order, keeping the ``"\\n"`` paragraph structure."""
        ...


# --------------------------------------------------------------------------- pure helpers


def split_units(texts: Sequence[str]) -> tuple[list[str], list[list[tuple[str, str, str] | str]]]:
    """Split ``texts`` into translatable units (stripped non-blank lines) and a reassembly plan.

    Each text's plan has one entry per line: a blank line as ``str`` (kept verbatim), or a
    ``(leading, unit, trailing)`` whitespace triple whose middle is the unit sent to the engine.
    """
    units: list[str] = []
    plans: list[list[tuple[str, str, str] | str]] = []
    for text in texts:
        plan: list[tuple[str, str, str] | str] = []
        for line in text.split("\n"):
            body = line.strip()
            if not body:
                plan.append(line)
                continue
            lead = line[: len(line) - len(line.lstrip())]
            trail = line[len(line.rstrip()) :]
            unit = body.replace(SEPARATOR, "§")
            units.append(unit)
            plan.append((lead, unit, trail))
        plans.append(plan)
    return units, plans


def join_units(
    translations: Sequence[str], plans: Sequence[Sequence[tuple[str, str, str] | str]]
) -> list[str]:
    """Reassemble texts from unit ``translations`` following the plans of :func:`split_units`."""
    it = iter(translations)
    out = []
    for plan in plans:
        lines = [entry if isinstance(entry, str) else entry[0] + next(it) + entry[2] for entry in plan]
        out.append("\n".join(lines))
    return out


def batch_input(units: Sequence[str]) -> str:
    """Join units with the separator line (between blank lines) for one engine call."""
    return _JOIN.join(units)


def split_output(output: str, expected: int) -> list[str]:
    """Split a batched engine ``output`` back into ``expected`` units; :class:`MTError` on a mismatch."""
    if expected == 0:
        return []
    parts = [part.strip() for part in output.split(SEPARATOR)]
    if len(parts) != expected:
        raise MTError(f"engine returned {len(parts)} units for {expected}: the separator was altered")
    # Apertium never splits a unit, but a stray newline would break the paragraph structure.
    return [re.sub(r"\s*\n\s*", " ", part) for part in parts]


def clean_output(text: str, source: str = "") -> str:
    """Make raw engine output look like ordinary MT output.

    Removes unknown-word markers (``*``, ``#``, ``@``) glued to the front of a word unless ``source``
    contains the same marked token (case-insensitively), the space before closing punctuation, and
    runs of inner spaces.
    """
    keep = {tok.lower() for tok in _TOKEN_RE.findall(source) if any(ch in tok for ch in "*#@")}

    def strip(m: re.Match[str]) -> str:
        raw = m.string
        end = m.end()
        while end < len(raw) and (raw[end].isalnum() or raw[end] in "_-'’"):
            end += 1
        marked = raw[m.start() : end].lower()
        return m.group() if any(marked in tok for tok in keep) else ""

    unmarked = _MARKER_RE.sub(strip, text)
    return _MULTI_SPACE_RE.sub(" ", _SPACE_BEFORE_PUNCT_RE.sub("", unmarked))


def _parse_mode(mode: str) -> tuple[str, str, str] | None:
    """``"spa-eng_US"`` -> ``("spa", "eng", "US")``; None for modes that are not ``src-tgt[_variant]``."""
    parts = mode.split("-")
    if len(parts) != 2:
        return None
    source, target = parts
    target, _, variant = target.partition("_")
    if "_" in source or not source.isalpha() or not target.isalpha():
        return None
    return _THREE_LETTER.get(source, source), _THREE_LETTER.get(target, target), variant


# --------------------------------------------------------------------------- Apertium


class ApertiumEngine:
    """:class:`MTEngine` over the ``apertium`` command-line tool (Debian package ``apertium``).

    ``timeout`` is per subprocess call: ``base_timeout + chars / 1000`` seconds by default, far above
    what Apertium needs (10-30k words/s per direction, plus ~0.2 s start-up).
    ``english_variant`` picks e.g. the ``spa-eng_US`` mode over ``spa-eng`` when it is installed (None:
    always the plain mode).
    """

    name = "apertium"

    def __init__(
        self,
        binary: str = "apertium",
        *,
        english_variant: str | None = "US",
        timeout: float | None = None,
        base_timeout: float = 60.0,
    ) -> None:
        self.binary = binary
        self.english_variant = english_variant
        self.timeout = timeout
        self.base_timeout = base_timeout
        self._modes: tuple[str, ...] | None = None

    def modes(self) -> tuple[str, ...]:
        """The installed translation modes (``apertium -l``), cached; :class:`MTUnavailable` if none."""
        if self._modes is None:
            exe = shutil.which(self.binary)
            if exe is None:
                raise MTUnavailable(f"{self.binary!r} not found on PATH; install it with `{_APT_HINT}`")
            try:
                proc = subprocess.run(
                    [exe, "-l"], capture_output=True, text=True, encoding="utf-8", timeout=30, env=_env()
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise MTUnavailable(f"cannot list Apertium modes: {exc}") from exc
            self._modes = tuple(line.strip() for line in proc.stdout.splitlines() if line.strip())
        return self._modes

    def mode(self, source: str, target: str) -> str:
        """The mode name translating ``source`` into ``target``; :class:`MTUnavailable` if not installed."""
        installed = set(self.modes())
        sources = dict.fromkeys([source, _TWO_LETTER.get(source, source)])
        targets = list(dict.fromkeys([target, _TWO_LETTER.get(target, target)]))
        if target == "eng" and self.english_variant:
            targets = [f"{t}_{self.english_variant}" for t in targets] + targets
        for s in sources:
            for t in targets:
                if f"{s}-{t}" in installed:
                    return f"{s}-{t}"
        pivot = target if source == "eng" else source
        package = _PACKAGES.get(pivot, f"the apertium package of the {source}-{target} pair")
        raise MTUnavailable(
            f"no Apertium mode for {source}->{target} (installed: {', '.join(sorted(installed)) or 'none'}); "
            f"install it with `apt-get install apertium {package}`"
        )

    def pivots(self) -> list[str]:
        """Languages with both ``eng -> X`` and ``X -> eng`` modes installed, sorted."""
        to_x, from_x = set(), set()
        for mode in self.modes():
            parsed = _parse_mode(mode)
            if parsed is None:
                continue
            source, target, variant = parsed
            if source == "eng" and not variant:
                to_x.add(target)
            elif target == "eng":
                from_x.add(source)
        return sorted(to_x & from_x)

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translate ``texts`` from ``source`` to ``target`` in one ``apertium`` call."""
        units, plans = split_units(texts)
        if not units:
            return list(texts)
        mode = self.mode(source, target)
        payload = batch_input(units)
        timeout = self.timeout if self.timeout is not None else self.base_timeout + len(payload) / 1000
        try:
            proc = subprocess.run(
                [self.binary, "-u", mode],
                input=payload,
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=timeout,
                env=_env(),
            )
        except subprocess.TimeoutExpired as exc:
            raise MTError(f"apertium {mode} timed out after {timeout:.0f}s on {len(payload)} chars") from exc
        except OSError as exc:
            raise MTUnavailable(f"cannot run {self.binary!r}: {exc}; install it with `{_APT_HINT}`") from exc
        if proc.returncode != 0:
            raise MTError(f"apertium {mode} exited with {proc.returncode}: {proc.stderr.strip()[:500]}")
        translated = split_output(proc.stdout, len(units))
        cleaned = [clean_output(out, unit) for out, unit in zip(translated, units, strict=True)]
        return join_units(cleaned, plans)


def _env() -> dict[str, str]:
    # lttoolbox reads the locale to decode its input; force UTF-8 whatever the caller's locale is.
    return {**os.environ, "LC_ALL": "C.UTF-8"}


def available_pivots(engine: ApertiumEngine | None = None) -> list[str]:
    """ISO 639-3 codes of the installed English round trips (e.g. ``["cat", "epo", "glg", "hbs", "spa"]``).

    Empty when Apertium itself is not installed.
    """
    try:
        return (engine or ApertiumEngine()).pivots()
    except MTUnavailable:
        return []


# --------------------------------------------------------------------------- rewriter


class RoundTripTranslator:
    """A :class:`~.base.Rewriter` translating English -> ``pivot`` -> English.

    ``name`` (and every ``Rewrite.generator``) is ``f"{engine.name}-{pivot}"``, e.g. ``"apertium-spa"``.
    """

    def __init__(self, engine: MTEngine, pivot: str) -> None:
        if pivot == "eng":
            raise ValueError("the pivot language must not be English")
        self.engine = engine
        self.pivot = pivot
        self.name = f"{engine.name}-{pivot}"

    def rewrite(self, text: str, seed: int = 0) -> Rewrite:
        """Round-trip ``text``; ``seed`` is ignored (the engine is deterministic)."""
        return self.rewrite_many([text])[0]

    def rewrite_many(self, texts: Sequence[str]) -> list[Rewrite]:
        """Round-trip a batch with one engine call per direction."""
        if not texts:
            return []
        there = self._translate(texts, "eng", self.pivot)
        back = self._translate(there, self.pivot, "eng")
        return [Rewrite(out, (), self.name) for out in back]

    def _translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        out = self.engine.translate(texts, source, target)
        if len(out) != len(texts):
            raise MTError(
                f"{self.name}: engine returned {len(out)} texts for {len(texts)} ({source}->{target})"
            )
        return out
