import csv
import hashlib
import io
import json
import random
from pathlib import Path

import pytest
from conftest import make_original, spin, write_corpus

from mtdetect.cli import main
from mtdetect.model.bundle import read_manifest
from mtdetect.model.detector import Detector
from mtdetect.model.wordscore import BASE_COLUMNS


@pytest.fixture
def articles(tmp_path):
    rng = random.Random(7)
    folder = tmp_path / "in"
    folder.mkdir()
    original = make_original(rng)
    (folder / "a_original.txt").write_text(original, encoding="utf-8")
    (folder / "b_spun.md").write_text(spin(original), encoding="utf-8")
    (folder / "c_page.html").write_text(
        f"<html><body><article><p>{make_original(rng)}</p></article></body></html>"
    )
    (folder / "d_binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "e_empty.txt").write_text("")
    (folder / "ignored.json").write_text("{}")
    return folder


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_score_writes_one_row_per_file_in_stable_order(capsys, articles, bundle):
    code, out, err = run(capsys, "score", articles, "--model", bundle)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["path"].rsplit("/", 1)[1] for r in rows] == [
        "a_original.txt",
        "b_spun.md",
        "c_page.html",
        "d_binary.txt",
        "e_empty.txt",
    ]
    keys = {
        "path",
        "score",
        "label",
        "verdict",
        "threshold",
        "kind_thresholds",
        "probabilities",
        "flags",
        "error",
    }
    assert all(set(r) == keys for r in rows)
    by_name = {r["path"].rsplit("/", 1)[1]: r for r in rows}
    threshold = read_manifest(bundle)["threshold"]
    # The verdict reads the score and each kind's probability against the cuts every row carries.
    for r in rows:
        if r["score"] is not None:
            assert r["threshold"] == threshold["value"] and r["kind_thresholds"] == threshold.get("kinds")
            passed = r["score"] > r["threshold"] or any(
                r["probabilities"][k] > cut for k, cut in (r["kind_thresholds"] or {}).items()
            )
            assert r["verdict"] == (
                "rewritten" if passed else "uncertain" if r["score"] > 0.5 else "original"
            )
            assert (r["verdict"] == "rewritten") == (r["label"] != "original")
        else:
            assert r["verdict"] is None and r["threshold"] is None and r["kind_thresholds"] is None
    assert by_name["a_original.txt"]["label"] == "original"
    assert by_name["b_spun.md"]["label"] == "spun" and by_name["b_spun.md"]["score"] > 0.5
    assert by_name["c_page.html"]["score"] is not None
    assert (
        by_name["d_binary.txt"]["error"] == "binary file, not text"
        and by_name["d_binary.txt"]["score"] is None
    )
    assert by_name["e_empty.txt"]["flags"] == ["empty"] and by_name["e_empty.txt"]["error"] is None
    assert "scored 5 files (1 with errors)" in err


def test_score_csv_to_file_with_glob(capsys, articles, bundle, tmp_path):
    out_file = tmp_path / "rows.csv"
    code, out, _ = run(
        capsys,
        "score",
        articles,
        "--model",
        bundle,
        "--format",
        "csv",
        "-o",
        out_file,
        "--glob",
        "*.txt",
        "-q",
    )
    assert code == 0 and out == ""
    rows = list(csv.DictReader(io.StringIO(out_file.read_text())))
    assert [r["path"].rsplit("/", 1)[1] for r in rows] == ["a_original.txt", "d_binary.txt", "e_empty.txt"]
    assert float(rows[0]["p_original"]) + float(rows[0]["p_spun"]) + float(
        rows[0]["p_translated"]
    ) == pytest.approx(1, abs=1e-5)


def test_score_with_evidence(capsys, articles, bundle):
    code, out, _ = run(capsys, "score", articles / "b_spun.md", "--model", bundle, "--evidence")
    [row] = [json.loads(line) for line in out.splitlines()]
    assert (
        code == 0
        and row["evidence"]
        and {"start", "end", "text", "kind", "suggestion", "confidence"} == set(row["evidence"][0])
    )


def test_missing_path_becomes_an_error_row(capsys, bundle, tmp_path):
    code, out, _ = run(capsys, "score", tmp_path / "nope.txt", "--model", bundle)
    assert code == 0 and json.loads(out)["error"] == "no such file"


def test_bad_model_is_a_one_line_runtime_error(capsys, articles, tmp_path):
    code, out, err = run(capsys, "score", articles, "--model", tmp_path / "nomodel")
    assert code == 1 and out == ""
    assert err.strip() == f"mtdetect: error: {tmp_path / 'nomodel'}: model folder does not exist"


def test_usage_errors_exit_2(capsys, articles, bundle):
    with pytest.raises(SystemExit) as info:
        main(["score"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["score", str(articles), "--format", "xml"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["score", str(articles), "--model", str(bundle), "--format", "csv", "--evidence"])
    assert info.value.code == 2
    assert "--evidence needs --format jsonl" in capsys.readouterr().err
    for other in ("--fast", "--deep"):
        with pytest.raises(SystemExit) as info:
            main(["score", str(articles), "--model", str(bundle), "--cascade", other])
        assert info.value.code == 2 and "--cascade is a mode of its own" in capsys.readouterr().err


def test_cascade_with_a_model_without_a_deep_head_is_a_one_line_error(capsys, articles, bundle):
    code, out, err = run(capsys, "score", articles, "--model", bundle, "--cascade")
    assert code == 1 and out == ""
    assert (
        err.strip()
        == f"mtdetect: error: {bundle}: no deep head, which --cascade scores with (--deep still works)"
    )


def test_info_prints_the_manifest(capsys, bundle):
    code, out, _ = run(capsys, "info", bundle)
    assert code == 0 and "threshold:" in out and "out-of-fold" in out and "auroc" in out
    weak = json.loads((bundle / "manifest.json").read_text())["words"]["weak"]
    assert f"word scorer:    {len(BASE_COLUMNS)} columns;" in out
    assert f"weak {weak} (texts called spun)" in out
    assert "--deep head:    none" in out
    kinds = json.loads((bundle / "manifest.json").read_text())["threshold"].get("kinds") or {}
    assert "kind cuts:" in out and all(f"P({k}) above {v}" in out for k, v in kinds.items())
    code, out, _ = run(capsys, "info", bundle, "--json")
    assert json.loads(out)["labels"] == ["original", "spun", "translated"]


def test_info_names_what_the_deep_head_reads(capsys):
    deep = Detector.load().manifest["deep"]  # the shipped model has one
    code, out, _ = run(capsys, "info")
    line = next(x for x in out.splitlines() if x.startswith("--deep head:"))
    assert code == 0 and ", ".join(deep["columns"]) in line and str(deep["threshold"]["value"]) in line
    assert f"--cascade: the language model reads texts from main score {deep['cascade']['reads_from']}" in out


def train_small(capsys, tmp_path: Path) -> Path:
    data = write_corpus(tmp_path / "base.jsonl", n=60, seed=1)
    code, out, _ = run(
        capsys,
        "train",
        "--data",
        data,
        "--out",
        tmp_path / "m1",
        "--head",
        "logistic",
        "--min-words",
        "20",
        "--synonyms",
        "none",
        "-q",
    )
    assert code == 0 and "saved" in out and "auroc" in out
    return tmp_path / "m1"


def test_retrain_from_the_bundle_alone_compares_base_and_new(capsys, tmp_path):
    base = train_small(capsys, tmp_path)
    (tmp_path / "base.jsonl").unlink()  # the base's training data is gone: the bundle's rows suffice
    extra = write_corpus(tmp_path / "extra.jsonl", n=20, seed=2)
    code, out, err = run(capsys, "train", "--base", base, "--add", extra, "--out", tmp_path / "m2", "-q")
    assert code == 0, err
    blocks = [line.split() for line in out.splitlines() if line.split()[-2:] == ["base", "new"]]
    assert [b[:-2] for b in blocks] == [["your", "held-out", "data"], ["the", "base's", "validation", "rows"]]
    assert any(line.split()[0] == "auroc" for line in out.splitlines())
    manifest = json.loads((tmp_path / "m2" / "manifest.json").read_text())
    retrained = manifest["retrained"]
    assert retrained["added_counts"] == {"original": 40, "spun": 20, "translated": 20}
    assert [f["sha256"] for f in retrained["added_files"]] == [hashlib.sha256(extra.read_bytes()).hexdigest()]
    assert set(retrained["comparison"]) == {"your held-out data", "the base's validation rows"}
    base_rows = json.loads((base / "manifest.json").read_text())["refit"]
    # The new bundle carries the base's rows plus the added ones, so it can be refitted again.
    assert manifest["refit"]["fit_rows"] + manifest["refit"]["val_rows"] == (
        base_rows["fit_rows"] + base_rows["val_rows"] + 80
    )
    assert Detector.load(tmp_path / "m2").score(make_original(random.Random(5))) < 0.5


def test_retrain_refuses_too_little_data_naming_the_minimum(capsys, tmp_path):
    base = train_small(capsys, tmp_path)
    extra = write_corpus(tmp_path / "extra.jsonl", n=5, seed=2)
    code, _, err = run(capsys, "train", "--base", base, "--add", extra, "--out", tmp_path / "m2")
    assert code == 1
    assert "--add has 10 original and 10 rewritten texts" in err and "at least 25 of each" in err
    assert not (tmp_path / "m2").exists()


def test_fine_tune_retrains_from_the_base_training_files(capsys, tmp_path):
    base = train_small(capsys, tmp_path)
    extra = write_corpus(tmp_path / "extra.jsonl", n=20, seed=2)
    code, out, _ = run(
        capsys, "train", "--base", base, "--add", extra, "--fine-tune", "--out", tmp_path / "m2", "-q"
    )
    assert code == 0
    header = next(line for line in out.splitlines() if "base" in line)
    assert header.split() == ["validation", "base", "new"]
    manifest = json.loads((tmp_path / "m2" / "manifest.json").read_text())
    assert manifest["training"]["config"]["add"] == [str(extra)]
    assert manifest["training"]["config"]["head"] == "logistic"
    assert len(manifest["training"]["files"]) == 2


def test_train_usage_and_data_errors(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["train", "--out", str(tmp_path / "m"), "--add", "x.jsonl"])
    assert info.value.code == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "weird"}\n')
    code, _, err = run(capsys, "train", "--data", bad, "--out", tmp_path / "m")
    assert code == 1 and "bad.jsonl:1: 'label' must be one of" in err


def test_report_writes_one_page_with_every_file(capsys, articles, bundle, tmp_path):
    out = tmp_path / "report.html"
    code, _, _ = run(capsys, "report", articles, "--model", bundle, "-o", out, "-q")
    page = out.read_text(encoding="utf-8")
    assert code == 0
    for name in ("a_original.txt", "b_spun.md", "c_page.html", "d_binary.txt", "e_empty.txt"):
        assert name in page
    assert "binary file, not text" in page and 'class="ev ev-spun_phrase"' in page


def test_diff_prints_the_substitutions_and_writes_html(capsys, tmp_path):
    (tmp_path / "o.txt").write_text("The White House had the upper hand.", encoding="utf-8")
    (tmp_path / "r.txt").write_text("The White Home had the higher hand.", encoding="utf-8")
    code, out, _ = run(capsys, "diff", tmp_path / "o.txt", tmp_path / "r.txt", "--html", tmp_path / "d.html")
    assert code == 0
    assert out.splitlines()[1].split() == ["replace", "House", "Home"]
    assert "<del>upper</del>" in (tmp_path / "d.html").read_text(encoding="utf-8")
    code, _, err = run(capsys, "diff", tmp_path / "o.txt", tmp_path / "missing.txt")
    assert code == 1 and "missing.txt: no such file" in err


def test_make_pairs_errors_are_clear(capsys, tmp_path):
    (tmp_path / "a.txt").write_text("An original article. " * 20, encoding="utf-8")
    code, _, err = run(
        capsys,
        "make-pairs",
        "--originals",
        tmp_path,
        "--out",
        tmp_path / "p.jsonl",
        "--generators",
        "nosuchspinner",
    )
    assert code == 1 and "unknown generator 'nosuchspinner'" in err


def test_make_pairs_with_wordnet(capsys, tmp_path):
    pytest.importorskip("nltk")
    from mtdetect.training.rewrite import WordNetUnavailable, load_wordnet

    try:
        load_wordnet()
    except WordNetUnavailable:
        pytest.skip("WordNet is not installed")
    folder = tmp_path / "originals"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text(make_original(random.Random(i)), encoding="utf-8")
    out = tmp_path / "pairs.jsonl"
    argv = ["make-pairs", "--originals", folder, "--out", out, "--generators", "wordnet-random-15", "-q"]
    assert run(capsys, *argv)[0] == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 and all(r["kind"] == "spun" and r["generator"] == "wordnet-random-15" for r in rows)
    assert all(r["original"] != r["rewritten"] for r in rows)
    first = out.read_text()
    assert run(capsys, *argv)[0] == 0 and out.read_text() == first  # same seed, same output
