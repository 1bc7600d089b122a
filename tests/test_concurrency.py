"""One Detector shared by threads, and `mtdetect.score()` in several processes at once."""

import multiprocessing
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import make_original, make_translated, spin

import mtdetect
from mtdetect import Detector
from mtdetect.model.detector import cached_detector


def texts(n=50, seed=5):
    rng = random.Random(seed)
    makers = [make_original, lambda r: spin(make_original(r)), make_translated, lambda r: make_original(r, 2)]
    return [makers[i % len(makers)](rng) for i in range(n)]


def test_threads_sharing_one_detector_get_the_serial_results(bundle):
    detector = Detector.load(bundle)
    items = texts()
    serial = [detector.analyze(t) for t in items]
    assert {r.label for r in serial} >= {"original", "spun", "translated"}  # all code paths run
    assert any(r.score is None for r in serial) and any(r.evidence for r in serial)
    chunks = [items[i : i + 5] for i in range(0, len(items), 5)]
    # Compared with serial runs of the same batches: batch shape alone moves probabilities by an ulp.
    serial_batches = [detector.analyze_many(c, explain=True) for c in chunks]
    for _ in range(3):
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(detector.analyze, items)) == serial
        with ThreadPoolExecutor(max_workers=4) as pool:
            assert list(pool.map(lambda c: detector.analyze_many(c, explain=True), chunks)) == serial_batches


def test_module_level_score_from_threads(bundle):
    items = [t for t in texts(20) if mtdetect.analyze(t, model=bundle).score is not None]
    serial = [mtdetect.score(t, model=bundle) for t in items]
    cached_detector.cache_clear()  # the threads race to load the model too
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(lambda t: mtdetect.score(t, model=bundle), items)) == serial


def _score_in_child(model, items, barrier, results):
    barrier.wait(timeout=120)  # both processes load and score at the same time
    results.put([mtdetect.score(t, model=model) for t in items])


def test_score_from_two_processes_at_once(bundle):
    items = [t for t in texts(12, seed=9) if mtdetect.analyze(t, model=bundle).score is not None]
    expected = [mtdetect.score(t, model=bundle) for t in items]
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_score_in_child, args=(str(bundle), items, barrier, results)) for _ in range(2)
    ]
    for p in procs:
        p.start()
    try:
        got = [results.get(timeout=180) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert got == [pytest.approx(expected, rel=1e-12)] * 2
