"""The fine-tuned encoder component: a small pretrained transformer that reads a text in token windows.

One forward pass over a window gives two outputs:
- class logits (original / spun / translated) from the mean of the window's token states;
- for every token, the logit that a spinner put it there (trained on the substitutions found by
  aligning spun training pairs with their originals), one of the word scorer's columns
  (`wordscore.py`) behind the evidence spans.

A text is cut into windows of `max_tokens` word pieces. Scoring reads at most `windows` of them,
evenly spaced, so the cost per article is bounded; explaining reads them all, but the document
columns always come from the same evenly spaced windows, so a score does not depend on `explain`.

In a bundle the weights are stored as int8 with one scale per row (a quarter of fp32) and run with
dynamically quantised linear layers. Loading needs torch, transformers and tokenizers only: not the
package the base weights came from, and never the network. torch is imported on first use, so the
feature-only (`fast`) mode never pays for it. Loading also sets torch's intra-op thread count
(`threads.py`), rather than leaving torch to size its pool from cores the process may not have.
"""

from __future__ import annotations

import json
import math
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mtdetect.model.threads import set_torch_threads

if TYPE_CHECKING:
    import torch
    from tokenizers import Tokenizer

CONFIG_FILE = "encoder_config.json"  # the backbone's Hugging Face config
WEIGHTS_FILE = "encoder.safetensors"
TOKENIZER_FILE = "encoder_tokenizer.json"
SETTINGS_FILE = "encoder.json"
COLUMNS: tuple[str, ...] = (
    "enc_logp_original",
    "enc_logp_spun",
    "enc_logp_translated",
    "enc_max_spun_margin",
    "enc_max_translated_margin",
    "enc_tag_top5",
    "enc_tag_share",
)
QUANT_MIN_ELEMENTS = 4096  # matrices smaller than this (and all vectors) stay in float32
BATCH_WINDOWS = 16  # windows per batch when explaining a long text


@dataclass(frozen=True)
class EncoderSettings:
    """How texts are cut into windows."""

    max_tokens: int = 128  # word pieces per window, [CLS] and [SEP] included
    windows: int = 2  # windows read per text when scoring
    n_labels: int = 3


@dataclass
class Reading:
    """What the encoder made of one text: the head's columns and, when explaining, the character
    spans of word pieces with their probability of having been substituted."""

    columns: np.ndarray
    pieces: list[tuple[int, int, float]]

    def within(self, start: int, end: int) -> Reading:
        """The reading of the characters [start, end) taken from this whole-text reading, without a new
        pass: the text's class columns, with the token columns of the pieces inside the span only.
        Needs the pieces (read with `explain`)."""
        pieces = [(a, b, q) for a, b, q in self.pieces if start <= a and b <= end]
        probs = np.array([q for _, _, q in pieces])
        return Reading(np.array([*self.columns[: len(COLUMNS) - 2], *tag_columns(probs)]), pieces)


def _torch():
    import torch

    return torch


def build_model(backbone: Any, hidden: int, n_labels: int) -> torch.nn.Module:
    """The backbone (of `hidden` units) with a document head (mean-pooled) and a per-token substitution
    head."""
    torch = _torch()

    class RewriteEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.backbone = backbone
            self.dropout = torch.nn.Dropout(0.1)
            self.doc_head = torch.nn.Linear(hidden, n_labels)
            self.tag_head = torch.nn.Linear(hidden, 1)

        def forward(self, input_ids, attention_mask):
            states = self.backbone(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            states = self.dropout(states)
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.doc_head(pooled), self.tag_head(states).squeeze(-1)

    return RewriteEncoder().eval()


class Encoder:
    """A fine-tuned RewriteEncoder with its tokenizer. Build with `load()` or `from_base()`."""

    def __init__(
        self,
        model: Any,
        tokenizer: Tokenizer,
        settings: EncoderSettings,
        config: dict[str, Any],
        stored: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.config = config  # the backbone's Hugging Face config
        self.tokenizer = tokenizer
        self.settings = settings
        self.stored = stored  # the int8 weights it was loaded from; saved again as they are
        # Base tokenizers may come set to cut and pad every text to a fixed length (all-MiniLM-L6-v2's
        # to 128 pieces); windows are cut here, so the tokenizer must return every piece.
        tokenizer.no_truncation()
        tokenizer.no_padding()
        self.cls_id = _special_id(tokenizer, "[CLS]")
        self.sep_id = _special_id(tokenizer, "[SEP]")
        self.pad_id = _special_id(tokenizer, "[PAD]")

    # -- building, saving, loading -------------------------------------------------------------
    @classmethod
    def from_base(cls, folder: Path, settings: EncoderSettings) -> Encoder:
        """Pretrained backbone and tokenizer from a Hugging Face folder, with fresh heads (for training)."""
        from tokenizers import Tokenizer
        from transformers import AutoModel

        backbone = AutoModel.from_pretrained(str(folder), local_files_only=True)
        return cls(
            build_model(backbone, backbone.config.hidden_size, settings.n_labels),
            Tokenizer.from_file(str(folder / "tokenizer.json")),
            settings,
            backbone.config.to_dict(),
        )

    def save(self, folder: Path) -> None:
        """Write the tokenizer, the backbone's config, int8 weights and the settings into `folder`."""
        from safetensors.torch import save_file

        folder.mkdir(parents=True, exist_ok=True)
        self.tokenizer.save(str(folder / TOKENIZER_FILE))
        (folder / CONFIG_FILE).write_text(json.dumps(self.config, indent=1, sort_keys=True) + "\n")
        stored = self.stored if self.stored is not None else quantize_state(self.model.state_dict())
        save_file(stored, str(folder / WEIGHTS_FILE))
        (folder / SETTINGS_FILE).write_text(json.dumps(asdict(self.settings), indent=1) + "\n")

    def quantized(self) -> Encoder:
        """This (trained, float) encoder as it will run from a bundle: int8 weights, quantised layers."""
        with tempfile.TemporaryDirectory() as tmp:
            self.save(Path(tmp))
            return Encoder.load(Path(tmp))

    @classmethod
    def load(cls, folder: Path) -> Encoder:
        """Load a saved encoder for inference, with int8 dynamically quantised linear layers."""
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        from mtdetect.model import bert

        torch = _torch()
        set_torch_threads()  # the count the CLI chose, else OMP_NUM_THREADS or the CPUs available
        settings = EncoderSettings(**json.loads((folder / SETTINGS_FILE).read_text()))
        config = json.loads((folder / CONFIG_FILE).read_text())
        backbone = bert.build(config) if bert.supports(config) else _transformers_backbone(config)
        model = build_model(backbone, config["hidden_size"], settings.n_labels)
        stored = load_file(str(folder / WEIGHTS_FILE))
        model.load_state_dict(dequantize_state(stored), assign=True)  # no copy: these tensors are new
        model.eval()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.ao.quantization announces its move to torchao
            torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        return cls(model, Tokenizer.from_file(str(folder / TOKENIZER_FILE)), settings, config, stored)

    def with_settings(self, **changes: Any) -> Encoder:
        """The same model and tokenizer with some settings changed (e.g. the number of windows)."""
        settings = EncoderSettings(**{**asdict(self.settings), **changes})
        return Encoder(self.model, self.tokenizer, settings, self.config, self.stored)

    # -- windows ---------------------------------------------------------------------------------
    def pieces(self, texts: Sequence[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
        """Word-piece ids and their character offsets, without special tokens."""
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [(e.ids, e.offsets) for e in encodings]

    def window_starts(self, n_pieces: int, everything: bool = False) -> list[int]:
        """Start offsets of the windows read for a text of `n_pieces` word pieces.

        >>> from types import SimpleNamespace
        >>> enc = SimpleNamespace(settings=EncoderSettings(max_tokens=12, windows=2))
        >>> Encoder.window_starts(enc, 45), Encoder.window_starts(enc, 45, everything=True)
        ([0, 40], [0, 10, 20, 30, 40])
        """
        size = self.settings.max_tokens - 2
        total = max(1, math.ceil(n_pieces / size))
        if everything or total <= self.settings.windows:
            return [k * size for k in range(total)]
        picks = np.linspace(0, total - 1, self.settings.windows).round().astype(int)
        return [int(k) * size for k in sorted(set(picks.tolist()))]

    def pieces_read(self, n_pieces: int) -> int:
        """How many of a text's `n_pieces` word pieces scoring reads (its windows may end early).

        >>> from types import SimpleNamespace
        >>> enc = SimpleNamespace(settings=EncoderSettings(max_tokens=12, windows=2))
        >>> enc.window_starts = lambda n: Encoder.window_starts(enc, n)
        >>> Encoder.pieces_read(enc, 45), Encoder.pieces_read(enc, 15)
        (15, 15)
        """
        size = self.settings.max_tokens - 2
        return sum(min(size, n_pieces - s) for s in self.window_starts(n_pieces))

    def forward(self, windows: Sequence[list[int]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Class logits (n, labels) and per-piece substitution probabilities of windows run as one batch.

        Dynamic int8 quantisation scales activations per batch, so a window's output depends on its
        batch: callers batch each text's windows on their own, never with another text's.
        """
        torch = _torch()
        with torch.inference_mode():
            doc, tag = self.model(*self.batch_tensors(windows))
        probs = torch.sigmoid(tag.float()).numpy()
        return doc.float().numpy(), [probs[i, 1 : 1 + len(w)] for i, w in enumerate(windows)]

    def batch_tensors(self, windows: Sequence[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """[CLS] window [SEP], right-padded to the longest window, and the attention mask."""
        torch = _torch()
        width = max(len(w) for w in windows) + 2
        ids = torch.full((len(windows), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(windows), width), dtype=torch.long)
        for i, w in enumerate(windows):
            row = [self.cls_id, *w, self.sep_id]
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return ids, mask

    # -- reading texts ---------------------------------------------------------------------------
    def read(self, texts: Sequence[str], explain: bool = False) -> list[Reading]:
        """The head's COLUMNS for each text; with `explain`, also every word piece's substitution
        probability over the whole text (the extra windows do not change the columns)."""
        size = self.settings.max_tokens - 2
        readings = []
        for ids, offsets in self.pieces(texts):
            scored = self.window_starts(len(ids))
            logits, tags = self.forward([ids[s : s + size] or [self.pad_id] for s in scored])
            pieces = []
            if explain:
                by_start = dict(zip(scored, tags, strict=True))
                extra = [s for s in self.window_starts(len(ids), everything=True) if s not in by_start]
                for lo in range(0, len(extra), BATCH_WINDOWS):
                    starts = extra[lo : lo + BATCH_WINDOWS]
                    by_start.update(
                        zip(starts, self.forward([ids[s : s + size] for s in starts])[1], strict=True)
                    )
                for start in sorted(by_start):
                    probs = by_start[start][: len(offsets) - start]  # a text without pieces reads one [PAD]
                    pieces += [(*offsets[start + j], float(p)) for j, p in enumerate(probs)]
            readings.append(Reading(window_columns(logits, tags), pieces))
        return readings

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """COLUMNS of many texts, shape (len(texts), len(COLUMNS))."""
        rows = [r.columns for r in self.read(texts)]
        return np.array(rows, dtype=np.float64).reshape(len(texts), len(COLUMNS))


def window_columns(logits: np.ndarray, tags: Sequence[np.ndarray]) -> np.ndarray:
    """A text's COLUMNS from its scored windows' class logits and token probabilities.

    >>> window_columns(np.array([[0.0, 0.0, 0.0]]), [np.array([1.0, 0.0])]).round(3).tolist()
    [-1.099, -1.099, -1.099, 0.0, 0.0, 0.5, 0.5]
    """
    logp = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    margins = logits[:, 1:] - logits[:, :1]
    probs = np.concatenate(tags) if tags else np.zeros(0)
    return np.array([*logp.mean(0), *margins.max(0), *tag_columns(probs)])


def tag_columns(probs: np.ndarray) -> tuple[float, float]:
    """The two token columns: the mean of the five highest substitution probabilities, and the share
    above 0.5."""
    top = np.sort(probs)[-5:] if len(probs) else np.zeros(1)
    return float(top.mean()), float((probs > 0.5).mean()) if len(probs) else 0.0


def quantize_state(state: dict[str, Any]) -> dict[str, Any]:
    """int8 weights with a float32 scale per row for large float matrices; everything else as is."""
    out = {}
    for name, tensor in state.items():
        t = tensor.detach().float().contiguous()
        if t.ndim == 2 and t.numel() >= QUANT_MIN_ELEMENTS:
            scale = (t.abs().amax(dim=1, keepdim=True) / 127.0).clamp(min=1e-12)
            out[name] = (t / scale).round().clamp(-127, 127).to(_torch().int8).contiguous()
            out[name + ".int8_scale"] = scale.contiguous()
        else:
            out[name] = t
    return out


def dequantize_state(stored: dict[str, Any]) -> dict[str, Any]:
    """The float32 state dict that `quantize_state` stored."""
    return {
        name: tensor.float() * stored[name + ".int8_scale"] if name + ".int8_scale" in stored else tensor
        for name, tensor in stored.items()
        if not name.endswith(".int8_scale")
    }


def _transformers_backbone(config: dict[str, Any]) -> Any:
    """An untrained backbone for a config that `bert.py` does not cover."""
    from transformers import AutoConfig, AutoModel

    rest = {k: v for k, v in config.items() if k != "model_type"}
    return AutoModel.from_config(AutoConfig.for_model(config["model_type"], **rest))


def _special_id(tokenizer: Tokenizer, token: str) -> int:
    found = tokenizer.token_to_id(token)
    if found is None:
        raise ValueError(f"the encoder's tokenizer has no {token} token")
    return int(found)
