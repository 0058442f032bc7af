"""One owner of thread counts: BLAS gets one thread, torch its share of the cores."""

import os
import subprocess
import sys

import pytest

from stance.cli import main
from stance.errors import StanceError
from stance.threads import parallel_jobs, torch_threads


def test_each_parallel_job_gets_its_share_of_the_cores():
    assert torch_threads({}, cores=8) == 8
    assert torch_threads({"STANCE_JOBS": "2"}, cores=8) == 4
    assert torch_threads({"STANCE_JOBS": "3"}, cores=2) == 1  # never zero


@pytest.mark.parametrize("value", ["0", "two", "-1", ""])
def test_a_bad_jobs_value_is_refused_by_name(value):
    with pytest.raises(StanceError, match="STANCE_JOBS"):
        parallel_jobs({"STANCE_JOBS": value})


def test_a_bad_jobs_value_is_one_line_before_any_work(monkeypatch, capsys):
    monkeypatch.setenv("STANCE_JOBS", "many")
    assert main(["report", "--experiments", "no-such-folder"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: STANCE_JOBS='many'") and "\n" not in err


def torch_threads_in_a_fresh_process(**env) -> int:
    code = (
        "from stance.threads import numeric_threads\n"
        "with numeric_threads():\n"
        "    import torch\n"
        "    print(torch.get_num_threads())"
    )
    environ = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "STANCE_JOBS")} | env
    result = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True)
    return int(result.stdout)


def test_blas_loaded_after_the_context_opens_is_single_threaded_too():
    # scipy's own OpenBLAS loads only when scipy.optimize is first imported: threadpoolctl
    # alone (entered before) would leave it at every core.
    code = (
        "from stance.threads import numeric_threads\n"
        "with numeric_threads():\n"
        "    import scipy.optimize\n"
        "    from threadpoolctl import threadpool_info\n"
        "    print(sorted({pool['num_threads'] for pool in threadpool_info() if pool['user_api'] == 'blas'}))"
    )
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    result = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[1]"


@pytest.mark.slow
def test_torch_takes_its_share_and_an_explicit_omp_setting_wins():
    cores = os.cpu_count()
    assert torch_threads_in_a_fresh_process(STANCE_JOBS="2") == max(1, cores // 2)
    assert torch_threads_in_a_fresh_process(STANCE_JOBS="2", OMP_NUM_THREADS="1") == 1
    assert torch_threads_in_a_fresh_process() == cores
