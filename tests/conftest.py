"""Shared fixtures: a small synthetic corpus and a bundle trained on it once per test session.

The corpus is generated here (no third-party data): originals are random sentences over a small
vocabulary, spun texts swap words for fixed odd "synonyms", translated texts use stilted phrasing.
It is easy on purpose, so a trained model must separate it almost perfectly.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mtdetect.model.surprisal import LanguageModel
from mtdetect.training.trainer import TrainConfig, train

SUBJECTS = ["the minister", "the company", "police", "the council", "researchers", "the team", "officials"]
VERBS = ["said", "announced", "reported", "confirmed", "denied", "warned", "explained"]
OBJECTS = [
    "that the plan would go ahead",
    "that the vote was delayed",
    "a new budget for schools",
    "the results of the inquiry",
    "that prices rose in May",
    "an agreement with the union",
    "that the road will reopen next week",
    "the upper hand in the talks",
    "a phone call with the mayor",
]
SPIN = {
    "minister": "clergyman",
    "company": "firm",
    "police": "constabulary",
    "council": "authority",
    "researchers": "investigators",
    "said": "aforesaid",
    "announced": "declared",
    "reported": "covered",
    "plan": "scheme",
    "vote": "ballot",
    "budget": "price range",
    "schools": "faculties",
    "upper": "higher",
    "results": "outcomes",
    "inquiry": "enquiry",
    "prices": "costs",
    "agreement": "settlement",
    "road": "street",
    "week": "workweek",
    "phone": "cellphone",
    "mayor": "city manager",
    "talks": "discussions",
}
TRANSLATED = [
    "it is necessary to underline that",
    "in the framework of the",
    "on the part of the",
    "the tycoon",
    "with regard to the question of the",
    "it must be said that the",
]


def make_original(rng: random.Random, n_sentences: int = 8) -> str:
    sentences = [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}." for _ in range(n_sentences)
    ]
    return " ".join(s[0].upper() + s[1:] for s in sentences)


def spin(text: str) -> str:
    return " ".join(SPIN.get(w, w) if w.isalpha() else w for w in text.split(" "))


def make_translated(rng: random.Random, n_sentences: int = 8) -> str:
    parts = [
        f"{rng.choice(TRANSLATED)} {rng.choice(OBJECTS)} {rng.choice(SUBJECTS)}." for _ in range(n_sentences)
    ]
    return " ".join(s[0].upper() + s[1:] for s in parts)


def write_corpus(path: Path, n: int = 90, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            original = make_original(rng)
            f.write(
                json.dumps({"original": original, "rewritten": spin(original), "kind": "spun", "id": f"p{i}"})
            )
            f.write("\n")
            f.write(json.dumps({"text": make_original(rng), "label": "original", "id": f"o{i}"}) + "\n")
            f.write(json.dumps({"text": make_translated(rng), "label": "translated", "id": f"t{i}"}) + "\n")
    return path


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus") / "train.jsonl")


def tiny_base(folder: Path, texts: list[str]) -> Path:
    """A randomly initialised two-layer BERT with a word-piece tokenizer trained on `texts`, saved as
    a Hugging Face folder like the one the encoder is fine-tuned from."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=300, special_tokens=specials))
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    folder.mkdir(parents=True, exist_ok=True)
    BertModel(config).save_pretrained(str(folder))
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


@pytest.fixture(scope="session")
def corpus_texts(corpus: Path) -> list[str]:
    """Every string of the corpus file, to train the tiny tokenizers on."""
    return [t for line in corpus.read_text().splitlines() for t in json.loads(line).values()]


@pytest.fixture(scope="session")
def tiny_encoder_base(tmp_path_factory: pytest.TempPathFactory, corpus_texts: list[str]) -> Path:
    return tiny_base(tmp_path_factory.mktemp("base") / "tiny-bert", corpus_texts)


@pytest.fixture(scope="session")
def stacked_bundle(tmp_path_factory: pytest.TempPathFactory, corpus: Path, tiny_encoder_base: Path) -> Path:
    """A bundle with a (tiny) fine-tuned encoder stacked on the features, and its fast head."""
    out = tmp_path_factory.mktemp("models") / "stacked"
    train(
        TrainConfig(
            data=[corpus],
            out=out,
            head="logistic",
            min_words=20,
            synonyms="none",
            encoder=str(tiny_encoder_base),
            encoder_steps=20,
            encoder_batch=8,
            encoder_max_tokens=32,
            progress=False,
        )
    )
    return out


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory, corpus: Path) -> Path:
    out = tmp_path_factory.mktemp("models") / "tiny"
    train(TrainConfig(data=[corpus], out=out, head="logistic", min_words=20, synonyms="none", progress=False))
    return out


LM_TEXT = "The minister said that the plan would go ahead. Officials said the minister denied it."


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory, corpus_texts: list[str]) -> LanguageModel:
    """A randomly initialised two-layer Llama with a byte-level BPE tokenizer trained on the corpus."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    texts = [*corpus_texts, LM_TEXT]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=400, special_tokens=["<s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    folder = tmp_path_factory.mktemp("lm") / "tiny-llama"
    PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>").save_pretrained(str(folder))
    config = LlamaConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=1024,
    )
    LlamaForCausalLM(config).save_pretrained(str(folder))
    return LanguageModel.load(folder)
