"""Fine-tune one encoder per group of held-out source languages, for `bench/translation.py --encoders`.

    python bench/fold_encoders.py [--groups cs,ja,uk,is de,ru,zh,ha] [--steps 1200] [--out work/fold_encoders]

Each encoder is fine-tuned as the recipe fine-tunes the shipped one (all-MiniLM-L6-v2 on the reference
split, the recipe's settings and seed), but without any row of its group's languages: no WMT row of them,
and for German no Europarl, for Chinese no TED. So every language fold of the translation benchmark can
read an encoder that never saw that language. A group of several languages costs one fine-tuning (about
22 minutes on two cores) and is stricter than leaving one language out. Written to OUT/<cs-ja-uk-is>/,
with `fine_tuning.json` (the languages left out, the row counts and the settings).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from heldout import REFERENCE_FILE, ROOT, SPLITS
from translation import of_language

from mtdetect.training import data as data_mod
from mtdetect.training.trainer import TrainConfig, encoder_base, split_parts, train_encoder_component


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", nargs="+", default=["cs,ja,uk,is", "de,ru,zh,ha"])
    parser.add_argument("--steps", type=int, default=TrainConfig.encoder_steps)
    parser.add_argument("--work", type=Path, default=ROOT / "work" / "default")
    parser.add_argument("--out", type=Path, default=ROOT / "work" / "fold_encoders")
    args = parser.parse_args()
    files = sorted(p for p in args.work.glob("*.jsonl") if p.name != REFERENCE_FILE)
    config = TrainConfig(
        data=files,
        out=args.out,
        encoder="minilm",
        encoder_steps=args.steps,
        reference_share=SPLITS["reference"],
        val_share=SPLITS["val"],
    )
    reference = split_parts(config, data_mod.load(files))["reference"]
    for group in args.groups:
        languages = group.split(",")

        def left_out(e: data_mod.Example, languages: list[str] = languages) -> bool:
            return any(of_language(e.source, e.group, x) for x in languages)

        folder = args.out / "-".join(languages)
        if (folder / "fine_tuning.json").exists():
            print(f"{folder}: already there", file=sys.stderr)
            continue
        kept = reference.subset({e.group for e in reference.examples if not left_out(e)})
        print(f"{folder}: {kept.label_counts()} reference rows", file=sys.stderr)
        encoder, info = train_encoder_component(config, encoder_base(config.encoder), {"reference": kept})
        encoder.save(folder)
        record = {"without": languages, "reference_rows": kept.label_counts(), **info}
        (folder / "fine_tuning.json").write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
