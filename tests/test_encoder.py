"""The encoder component: windows, int8 storage, fine-tuning, and its place in a stacked bundle."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import make_original, spin

from mtdetect import Detector
from mtdetect.model.bundle import read_manifest
from mtdetect.model.detector import FAST_HEAD_FILE, FAST_WORDS_FILE, LABELS, WORDS_FILE
from mtdetect.model.encoder import COLUMNS, Encoder, EncoderSettings, dequantize_state, quantize_state
from mtdetect.model.wordscore import BASE_COLUMNS, TAG_COLUMNS
from mtdetect.training.align import substituted_spans
from mtdetect.training.data import Dataset, Example, Pair
from mtdetect.training.finetune import IGNORE, FineTuneConfig, fine_tune, samples
from mtdetect.training.trainer import TrainConfig, encoder_base, train


@pytest.fixture()
def encoder(tiny_encoder_base: Path) -> Encoder:
    torch.manual_seed(0)
    return Encoder.from_base(tiny_encoder_base, EncoderSettings(max_tokens=16, windows=2))


def text(seed: int = 0, n: int = 8) -> str:
    return make_original(random.Random(seed), n)


def test_quantized_state_round_trips_within_half_a_step() -> None:
    torch.manual_seed(0)
    state = {"big": torch.randn(80, 64), "bias": torch.randn(64), "small": torch.randn(4, 4)}
    stored = quantize_state(state)
    assert stored["big"].dtype == torch.int8 and stored["big.int8_scale"].shape == (80, 1)
    assert "small.int8_scale" not in stored and stored["bias"].dtype == torch.float32
    back = dequantize_state(stored)
    assert set(back) == set(state)
    step = stored["big.int8_scale"]
    assert torch.all((back["big"] - state["big"]).abs() <= step / 2 + 1e-6)
    assert torch.equal(back["small"], state["small"])


def test_windows_cover_a_long_text_and_scoring_reads_at_most_the_cap(encoder: Encoder) -> None:
    ids, offsets = encoder.pieces([text(n=12)])[0]
    assert len(ids) > 3 * 14
    every = encoder.window_starts(len(ids), everything=True)
    assert every == list(range(0, len(ids), 14))
    scored = encoder.window_starts(len(ids))
    assert len(scored) == 2 and scored[0] == 0 and scored[-1] == every[-1]
    assert offsets[0][0] == 0


def test_reading_gives_the_same_columns_with_and_without_explanations(encoder: Encoder) -> None:
    texts = [text(1), text(2, n=3)]
    plain = encoder.read(texts)
    explained = encoder.read(texts, explain=True)
    for a, b, t in zip(plain, explained, texts, strict=True):
        assert a.columns.shape == (len(COLUMNS),)
        np.testing.assert_allclose(a.columns, b.columns, atol=1e-5)
        assert a.pieces == []
        n_pieces = len(encoder.pieces([t])[0][0])
        assert len(b.pieces) == n_pieces  # every piece once, including those outside scored windows
        assert all(0 <= s < e <= len(t) and 0.0 <= p <= 1.0 for s, e, p in b.pieces)


def test_batched_reading_equals_one_text_at_a_time(encoder: Encoder) -> None:
    texts = [text(i, n=2 + i) for i in range(5)]
    together = encoder.transform(texts)
    alone = np.vstack([encoder.transform([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_saved_encoder_loads_quantised_and_close_to_the_float_one(encoder: Encoder, tmp_path: Path) -> None:
    texts = [text(i) for i in range(4)]
    encoder.model.eval()
    loaded = encoder.quantized()
    assert loaded.stored is not None
    np.testing.assert_allclose(loaded.transform(texts), encoder.transform(texts), atol=0.15)
    loaded.save(tmp_path / "a")
    encoder.save(tmp_path / "b")
    assert (tmp_path / "a" / "encoder.safetensors").read_bytes() == (
        tmp_path / "b" / "encoder.safetensors"
    ).read_bytes()
    assert json.loads((tmp_path / "a" / "encoder.json").read_text())["max_tokens"] == 16


def test_substituted_spans_mark_the_swapped_words() -> None:
    original, rewritten = (
        "They took the upper hand in the talks.",
        "They took the higher hand in the discussions.",
    )
    spans = substituted_spans(original, rewritten)
    assert [rewritten[a:b] for a, b in spans] == ["higher", "discussions"]


def test_samples_tag_substituted_pieces_and_ignore_translations(encoder: Encoder) -> None:
    original = text(3)
    rewritten = spin(original)
    data = Dataset(
        [
            Example(original, "original", "g"),
            Example(rewritten, "spun", "g"),
            Example(text(4), "translated", "t"),
        ],
        [Pair(original, rewritten, "spun", "g")],
    )
    out = samples(data, encoder, LABELS, min_words=5)
    assert [s.label for s in out] == [0, 1, 2]
    assert set(out[0].tags) == {0}
    assert set(out[2].tags) == {IGNORE}
    spun = out[1]
    _, offsets = encoder.pieces([rewritten])[0]
    original_words = set(re.findall(r"\w+", original.lower()))
    words = [(m.start(), m.end(), m.group().lower()) for m in re.finditer(r"\w+", rewritten)]
    tagged = {
        w for (a, b), t in zip(offsets, spun.tags, strict=True) if t == 1 for s, e, w in words if s <= a < e
    }
    assert tagged == {w for _, _, w in words} - original_words


def test_fine_tuning_learns_the_classes_and_the_substituted_tokens(encoder: Encoder) -> None:
    rng = random.Random(5)
    examples, pairs = [], []
    for i in range(30):
        original = make_original(rng, 3)
        examples += [Example(original, "original", str(i)), Example(spin(original), "spun", str(i))]
        pairs.append(Pair(original, spin(original), "spun", str(i)))
    data = Dataset(examples, pairs)
    train = samples(data, encoder, LABELS, min_words=5)
    before = encoder.with_settings().read([e.text for e in examples[:6]])
    fine_tune(encoder, train, FineTuneConfig(steps=60, batch_size=8, learning_rate=3e-3, threads=1))
    after = encoder.read([e.text for e in examples[:6]], explain=True)
    spun_margin = [r.columns[3] for r in after[1::2]]
    original_margin = [r.columns[3] for r in after[0::2]]
    assert min(spun_margin) > max(original_margin)
    # the token head ranks substituted pieces above the others
    reading, rewritten = after[1], examples[1].text
    spans = substituted_spans(examples[0].text, rewritten)
    hit = [p for s, e, p in reading.pieces if any(a < e and s < b for a, b in spans)]
    miss = [p for s, e, p in reading.pieces if not any(a < e and s < b for a, b in spans)]
    assert np.mean(hit) > np.mean(miss) + 0.3
    assert before[0].columns[3] != after[0].columns[3]


def test_fine_tuning_refuses_an_empty_training_set(encoder: Encoder) -> None:
    with pytest.raises(ValueError, match="no training texts"):
        fine_tune(encoder, [], FineTuneConfig(steps=1))


def test_encoder_base_names_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="neither"):
        encoder_base(str(tmp_path))
    with pytest.raises(ValueError, match="encoder_steps"):
        TrainConfig(data=[tmp_path], out=tmp_path, encoder_steps=0).validate()


# -- the stacked bundle ----------------------------------------------------------------------------
def test_stacked_bundle_records_both_heads_and_the_encoder(stacked_bundle: Path) -> None:
    manifest = read_manifest(stacked_bundle)
    assert manifest["encoder"]["columns"] == list(COLUMNS)
    assert manifest["encoder"]["settings"]["max_tokens"] == 32
    assert 0.5 <= manifest["fast"]["threshold"]["value"] < 1.0
    assert manifest["fast"]["metrics"]["validation"]["auroc"] > 0.9
    assert manifest["metrics"]["validation"]["auroc"] > 0.9
    files = {"encoder.safetensors", "encoder_tokenizer.json", FAST_HEAD_FILE, WORDS_FILE, FAST_WORDS_FILE}
    assert files <= set(manifest["files"])
    assert [c["name"] for c in manifest["components"]] == ["features", "ngrams", "encoder"]
    component = manifest["components"][2]
    assert component["fine_tuning"]["steps"] == 20
    # Each head has its word scorer: the full one reads the encoder's tags, the fast one cannot.
    assert manifest["words"]["columns"] == list(BASE_COLUMNS + TAG_COLUMNS)
    assert manifest["fast"]["words"]["columns"] == list(BASE_COLUMNS)
    for words in (manifest["words"], manifest["fast"]["words"]):
        assert 0.05 <= words["weak"] <= words["strong"] <= 0.95
        assert words["training"]["strong_recall"] <= words["training"]["weak_recall"]


def test_full_and_fast_modes_use_their_own_heads(stacked_bundle: Path) -> None:
    full = Detector.load(stacked_bundle)
    fast = Detector.load(stacked_bundle, fast=True)
    assert full.encoder is not None and fast.encoder is None
    assert len(full.columns) == len(fast.columns) + len(COLUMNS)
    manifest = read_manifest(stacked_bundle)
    assert full.threshold.value == manifest["threshold"]["value"]
    assert fast.threshold.value == manifest["fast"]["threshold"]["value"]
    texts = [text(30), spin(text(31)), text(32, n=4), spin(text(33, n=4))]
    assert full.head.n_features_in_ == len(full.columns) and fast.head.n_features_in_ == len(fast.columns)
    full_scores, fast_scores = full.score_many(texts), fast.score_many(texts)
    features = np.hstack([fast.extractor.transform(texts), fast.ngrams.columns(texts)])
    np.testing.assert_allclose(fast_scores, 1 - fast.head.predict_proba(features)[:, 0])
    explained = [full.analyze(t).score for t in texts]
    assert explained == full_scores.tolist()  # explaining reads more windows but does not move the score


def test_fast_mode_never_imports_torch(stacked_bundle: Path) -> None:
    code = (
        "import sys; from mtdetect import Detector; "
        f"d = Detector.load({str(stacked_bundle)!r}, fast=True); "
        f"d.score({text(8)!r}); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_fast_flag_scores_with_the_fast_head(stacked_bundle: Path, tmp_path: Path) -> None:
    from mtdetect.cli import main

    texts = [spin(text(9)), text(10), spin(text(11, n=14)), text(12, n=3) * 4]
    for k, t in enumerate(texts):
        (tmp_path / f"{k}.txt").write_text(t)
    scores = {}
    for mode in ("full", "fast"):
        out = tmp_path / f"{mode}.jsonl"
        extra = ["--fast"] if mode == "fast" else []
        assert (
            main(["score", str(tmp_path), "--model", str(stacked_bundle), "-o", str(out), "-q", *extra]) == 0
        )
        rows = sorted((json.loads(line) for line in out.read_text().splitlines()), key=lambda r: r["path"])
        scores[mode] = [r["score"] for r in rows]
    for mode, fast in (("full", False), ("fast", True)):
        expected = Detector.load(stacked_bundle, fast=fast).score_many(texts)
        assert scores[mode] == pytest.approx(list(expected))
    assert scores["full"] != scores["fast"]


def test_a_score_does_not_depend_on_the_other_texts_in_the_batch(stacked_bundle: Path) -> None:
    detector = Detector.load(stacked_bundle)
    texts = [text(20), spin(text(21, n=14)), text(22, n=3) * 4, spin(text(23))]
    together = detector.score_many(texts)
    alone = [detector.score(t) for t in texts]
    # equal up to float rounding in the head; batching windows across texts moved scores by ~1e-2
    assert together.tolist() == pytest.approx(alone, abs=1e-12)


def test_retraining_on_a_stacked_base_keeps_its_encoder_settings(
    stacked_bundle: Path, tmp_path: Path
) -> None:
    from mtdetect.training.trainer import config_from_base

    config = config_from_base(stacked_bundle, tmp_path / "new", [])
    saved = read_manifest(stacked_bundle)["training"]["config"]
    assert (config.encoder, config.encoder_steps, config.encoder_max_tokens) == (saved["encoder"], 20, 32)


def test_cli_trains_a_stacked_bundle_and_info_shows_both_heads(
    corpus: Path, tiny_encoder_base: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mtdetect.cli import main

    out = tmp_path / "m"
    argv = ["train", "--data", str(corpus), "--out", str(out), "--synonyms", "none", "--head", "logistic"]
    argv += ["--min-words", "20", "--encoder", str(tiny_encoder_base), "--encoder-steps", "3"]
    argv += ["--encoder-max-tokens", "32", "--encoder-windows", "1", "-q"]
    assert main(argv) == 0
    assert read_manifest(out)["encoder"]["settings"]["windows"] == 1
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    assert "--fast head:    features only; threshold" in capsys.readouterr().out


def test_cli_train_refuses_an_encoder_that_is_not_a_model_folder(corpus: Path, tmp_path: Path) -> None:
    from mtdetect.cli import main

    argv = ["train", "--data", str(corpus), "--out", str(tmp_path / "m"), "--encoder", str(tmp_path), "-q"]
    assert main([*argv, "--synonyms", "none"]) == 1


def test_a_base_tokenizer_set_to_truncate_and_pad_still_yields_every_piece(tiny_encoder_base: Path) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tiny_encoder_base / "tokenizer.json"))
    full = [e.ids for e in tokenizer.encode_batch([text(n=12)], add_special_tokens=False)]
    tokenizer.enable_truncation(max_length=8)
    tokenizer.enable_padding(length=8)
    encoder = Encoder.from_base(tiny_encoder_base, EncoderSettings(max_tokens=16))
    encoder = Encoder(encoder.model, tokenizer, encoder.settings, encoder.config)
    assert [ids for ids, _ in encoder.pieces([text(n=12)])] == full


def test_a_trained_encoder_can_be_reused_frozen(stacked_bundle: Path, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "reused"
    config = TrainConfig(
        data=[corpus],
        out=out,
        head="logistic",
        min_words=20,
        synonyms="none",
        encoder_from=str(stacked_bundle),
        progress=False,
    )
    train(config)
    manifest = read_manifest(out)
    component = next(c for c in manifest["components"] if c["name"] == "encoder")
    assert component["reused_from"]["bundle"] == str(stacked_bundle)
    assert component["fine_tuning"]["steps"] == 20  # the record of how the reused encoder was trained
    assert (out / "encoder.safetensors").read_bytes() == (stacked_bundle / "encoder.safetensors").read_bytes()
    texts = [text(40), spin(text(41))]
    assert (
        Encoder.load(out).transform(texts).tolist() == Encoder.load(stacked_bundle).transform(texts).tolist()
    )
    assert np.all(np.isfinite(Detector.load(out).score_many(texts)))


def test_reusing_needs_a_bundle_with_an_encoder(bundle: Path, corpus: Path, tmp_path: Path) -> None:
    config = TrainConfig(data=[corpus], out=tmp_path / "m", synonyms="none", encoder_from=str(bundle))
    with pytest.raises(ValueError, match="has no encoder to reuse"):
        train(config)


def test_sentence_scores_reuse_the_texts_encoder_pass(stacked_bundle: Path, monkeypatch) -> None:
    detector = Detector.load(stacked_bundle)
    article = text(3, n=14)
    calls = []
    forward = detector.encoder.forward
    monkeypatch.setattr(
        detector.encoder, "forward", lambda windows: calls.append(len(windows)) or forward(windows)
    )
    detector.encoder.read([article], explain=True)
    one_reading = list(calls)
    calls.clear()
    result = detector.analyze(article)
    assert len(result.sentences) > 3
    assert calls == one_reading  # evidence and every sentence window from the same pass


def test_a_window_of_a_reading_keeps_the_class_columns_and_its_own_pieces(encoder: Encoder) -> None:
    article = text(4, n=10)
    reading = encoder.read([article], explain=True)[0]
    half = len(article) // 2
    window = reading.within(0, half)
    assert all(b <= half for _, b, _ in window.pieces) and 0 < len(window.pieces) < len(reading.pieces)
    np.testing.assert_array_equal(window.columns[:5], reading.columns[:5])
    probs = np.array([q for _, _, q in window.pieces])
    assert window.columns[5] == pytest.approx(np.sort(probs)[-5:].mean())
    assert window.columns[6] == pytest.approx((probs > 0.5).mean())


def test_the_torch_bert_computes_what_transformers_does(encoder: Encoder) -> None:
    from mtdetect.model import bert

    reference = encoder.model.backbone  # transformers' BertModel, from the tiny base
    ours = bert.build(encoder.config)
    ours.load_state_dict(reference.state_dict())
    ids = torch.tensor([[2, 40, 41, 42, 3, 0, 0], [2, 50, 51, 52, 53, 54, 3]])
    mask = (ids != 0).long()
    with torch.no_grad():
        expected = reference(input_ids=ids, attention_mask=mask).last_hidden_state
        got = ours(ids, mask).last_hidden_state
    keep = mask.bool()
    torch.testing.assert_close(got[keep], expected[keep], atol=1e-5, rtol=1e-5)
    assert not bert.supports({**encoder.config, "position_embedding_type": "relative_key"})


def test_loading_a_bundle_encoder_imports_no_transformers(stacked_bundle: Path) -> None:
    code = (
        "import sys; from mtdetect import Detector; from mtdetect.model import bert; "
        f"d = Detector.load({str(stacked_bundle)!r}); d.score({text(7)!r}); "
        "assert isinstance(d.encoder.model.backbone, bert.Bert); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'transformers'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
