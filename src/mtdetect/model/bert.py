"""A BERT encoder for inference built from torch layers, so that loading a bundle never imports transformers.

Importing transformers' BERT code took most of a cold first score (4.7-5.7 s on two busy cores, against
2.8-3.1 s for torch itself). For bundles whose encoder is a plain BERT, as the shipped all-MiniLM-L6-v2 is,
`build` makes the same computation from `torch.nn` layers under the module names of transformers'
`BertModel`, so the bundle's state dict loads unchanged and dynamic int8 quantisation picks the same
Linear layers. Supported: post-norm layers, absolute positions, exact (erf) GELU, one token type, no
decoder; `supports` tells. Other encoders still load through transformers. Training always uses
transformers. A test checks this module against transformers' `BertModel` on the same weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional

# transformers' BertConfig defaults, for keys a saved config may leave out (it stores only changes).
DEFAULTS: dict[str, Any] = {
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-12,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "pad_token_id": 0,
    "position_embedding_type": "absolute",
}


def supports(config: dict[str, Any]) -> bool:
    """Whether `build` computes what transformers would for this (Hugging Face) config."""
    config = {**DEFAULTS, **config}
    return (
        config.get("model_type") == "bert"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and config.get("hidden_act") == "gelu"
        and not config.get("is_decoder", False)
        and not config.get("add_cross_attention", False)
    )


@dataclass(frozen=True)
class Output:
    last_hidden_state: torch.Tensor


class Embeddings(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        hidden = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], hidden, padding_idx=c.get("pad_token_id"))
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], hidden)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=c["layer_norm_eps"])

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        # Token type 0 everywhere, as transformers uses when none is given.
        x = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(positions)
            + self.token_type_embeddings.weight[0]
        )
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        hidden = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        b, t, h = x.shape

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, h // self.heads).transpose(1, 2)

        context = functional.scaled_dot_product_attention(
            split(self.query(x)), split(self.key(x)), split(self.value(x)), attn_mask=keep
        )
        return context.transpose(1, 2).reshape(b, t, h)


class DenseNorm(nn.Module):
    """A projection, then layer norm over it plus the residual."""

    def __init__(self, width_in: int, hidden: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(width_in, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseNorm(c["hidden_size"], c["hidden_size"], c["layer_norm_eps"])

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        return self.output(self.self(x, keep), x)


class Intermediate(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseNorm(c["intermediate_size"], c["hidden_size"], c["layer_norm_eps"])

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        attended = self.attention(x, keep)
        return self.output(self.intermediate(attended), attended)


class Stack(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.layer = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))


class Pooler(nn.Module):
    """Unused by mtdetect; kept so that a BertModel state dict loads as it is."""

    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])


class Bert(nn.Module):
    """What transformers' BertModel computes for `last_hidden_state`, for `supports`-ed configs."""

    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Stack(c)
        self.pooler = Pooler(c)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Output:
        keep = attention_mask.bool()[:, None, None, :]  # every query may attend to the text's pieces only
        x = self.embeddings(input_ids)
        for layer in self.encoder.layer:
            x = layer(x, keep)
        return Output(x)


def build(config: dict[str, Any]) -> Bert:
    """An untrained Bert for a supported config (ValueError otherwise)."""
    if not supports(config):
        raise ValueError(f"not a plain BERT config (model_type {config.get('model_type')!r})")
    return Bert({**DEFAULTS, **config}).eval()
