"""torch's intra-op thread count: --threads, else OMP_NUM_THREADS, else the CPUs available.

The counts torch ends up with are checked in fresh processes: torch's pool is one per process, and
a test that sets it here would change it for every later test.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_original, spin

from mtdetect.cli import main
from mtdetect.model import threads
from mtdetect.model.threads import available_cpus, omp_threads, resolve_threads

# More threads than the machine has CPUs: a count torch would never pick by itself.
MORE_THAN_CPUS = available_cpus() + 1


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_text(spin(make_original(random.Random(5))), encoding="utf-8")
    return path


def run_python(code: str, *args: object, **env: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
    )
    assert done.returncode == 0, done.stderr
    return done


# -- the policy -------------------------------------------------------------------------------
def test_docstring_examples() -> None:
    result = doctest.testmod(threads)
    assert result.attempted > 0 and result.failed == 0


def test_omp_num_threads_is_honoured_and_the_request_overrides_it(monkeypatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    assert resolve_threads() == 7
    assert resolve_threads(None) == 7
    assert resolve_threads(3) == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "5,2")  # nested levels: the first is the intra-op count
    assert resolve_threads() == 5


def test_without_omp_num_threads_the_cpus_this_process_may_use(monkeypatch) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert resolve_threads() == available_cpus()
    if hasattr(os, "sched_getaffinity"):
        assert available_cpus() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)
    assert resolve_threads() == 3


@pytest.mark.parametrize("value", ["0", "-2", "two", "²"])
def test_unusable_omp_num_threads_is_ignored_with_a_warning(monkeypatch, caplog, value) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", value)
    with caplog.at_level("WARNING", logger="mtdetect.model.threads"):
        assert resolve_threads() == available_cpus()
    assert f"ignoring OMP_NUM_THREADS={value!r}" in caplog.text
    assert omp_threads(value) is None


@pytest.mark.parametrize("bad", [0, -1])
def test_a_count_below_one_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match=f"the thread count must be at least 1, not {bad}"):
        resolve_threads(bad)
    with pytest.raises(ValueError, match="at least 1"):
        threads.apply_threads(bad)


@pytest.mark.parametrize("command", ["score", "report"])
@pytest.mark.parametrize("bad", ["0", "-1", "many"])
def test_cli_refuses_a_bad_thread_count_as_a_usage_error(capsys, tmp_path, article, command, bad) -> None:
    argv = [command, str(article), f"--threads={bad}", "--model", str(tmp_path / "no-model")]
    if command == "report":
        argv += ["-o", str(tmp_path / "r.html")]
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert f"argument --threads: expected a whole number, at least 1: {bad!r}" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


# -- what torch gets, in fresh processes ------------------------------------------------------
# The real `python -m mtdetect`, with any import of torch failing: a run that exits 0 never imported it.
NO_TORCH_CLI = """
import runpy, sys
sys.modules["torch"] = None
sys.argv = ["mtdetect", *sys.argv[1:]]
runpy.run_module("mtdetect", run_name="__main__")
"""


def test_fast_score_with_threads_never_imports_torch(stacked_bundle, article) -> None:
    done = run_python(
        NO_TORCH_CLI, "score", "--threads", 1, "--fast", article, "--model", stacked_bundle, "-q"
    )
    assert '"score": ' in done.stdout and '"error": null' in done.stdout


def test_apply_threads_before_torch_does_not_import_it() -> None:
    code = "import sys, mtdetect.model.threads as t; t.apply_threads(1); print('torch' in sys.modules)"
    assert run_python(code).stdout.strip() == "False"


CLI_THEN_THREADS = """
import sys
from mtdetect.cli import main
code = main(sys.argv[1:])
import torch
print(code, torch.get_num_threads())
"""


@pytest.mark.parametrize("requested", [1, MORE_THAN_CPUS])
def test_score_runs_the_encoder_on_the_requested_threads(stacked_bundle, article, requested) -> None:
    argv = ["score", article, "--model", stacked_bundle, "-q", "--threads", requested]
    done = run_python(CLI_THEN_THREADS, *argv)
    assert done.stdout.splitlines()[-1] == f"0 {requested}"


def test_threads_beats_omp_num_threads_and_report_applies_it_too(stacked_bundle, article, tmp_path) -> None:
    argv = ["report", article, "--model", stacked_bundle, "-q", "-o", tmp_path / "r.html", "--threads", 1]
    assert run_python(CLI_THEN_THREADS, *argv, OMP_NUM_THREADS="2").stdout.splitlines()[-1] == "0 1"
    assert (tmp_path / "r.html").is_file()


def test_without_threads_the_encoder_follows_omp_num_threads(stacked_bundle, article) -> None:
    # torch would take OMP_NUM_THREADS by itself at start-up; the variable changes after torch is
    # imported here, so only the encoder's load can bring the count to it.
    code = (
        "import os, sys, torch; torch.set_num_threads(1); os.environ['OMP_NUM_THREADS'] = sys.argv[2]\n"
        "from mtdetect import Detector; Detector.load(sys.argv[1]); print(torch.get_num_threads())"
    )
    assert run_python(code, stacked_bundle, MORE_THAN_CPUS).stdout.strip() == str(MORE_THAN_CPUS)


def test_without_threads_or_omp_the_encoder_uses_the_cpus_available(stacked_bundle) -> None:
    code = (
        "import os, sys, torch; torch.set_num_threads(7)\n"
        "from mtdetect import Detector; Detector.load(sys.argv[1]); print(torch.get_num_threads())\n"
        "print(len(os.sched_getaffinity(0)))"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(stacked_bundle)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    got, cpus = done.stdout.split()
    assert got == cpus


def test_a_ray_actor_runs_as_many_threads_as_it_was_given(stacked_bundle) -> None:
    code = (
        "import sys, torch; from mtdetect.batch.distributed import _Scorer\n"
        "_Scorer(sys.argv[1], 'jsonl', False, int(sys.argv[2])); print(torch.get_num_threads())"
    )
    assert run_python(code, stacked_bundle, MORE_THAN_CPUS).stdout.strip() == str(MORE_THAN_CPUS)


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")
def test_ray_actors_reserve_their_threads_as_cpus(bundle, article, tmp_path) -> None:
    from mtdetect.batch.distributed import ray_session, score_with_ray

    with ray_session(num_cpus=3):
        with pytest.raises(ValueError, match="concurrency 1 with 3 CPU"):
            score_with_ray([article], tmp_path / "refused", bundle, threads=3)
        assert score_with_ray([article], tmp_path / "out", bundle, threads=2) == 1
