"""The one place that sets how many threads numerical libraries use, and whether
progress bars draw.

OpenBLAS (under numpy, scipy and scikit-learn) starts a thread pool for every call,
which costs far more than the tiny matrix products of this project's fits, so BLAS gets
one thread. Two mechanisms are needed: threadpoolctl limits only the BLAS libraries
already loaded when its context opens, and scipy loads its own OpenBLAS later, when
sklearn's logistic regression first runs (L-BFGS-B). So `numeric_threads` also sets
OPENBLAS_NUM_THREADS for the libraries that load afterwards. With only threadpoolctl,
`stance train --config configs/tfidf_logreg.yaml` took 132.9 s on an idle 2-core
machine (0.16 s a fit, most of it in scipy's BLAS); with both, 28.4 s, with identical
predictions and permutation null.

torch (its own OpenMP pool) shares the cores with the other `stance` processes that
`make` runs beside this one: `STANCE_JOBS` of them (the Makefile's `JOBS`), so each gets
`cores // STANCE_JOBS` threads. On the 2-core machine one transformer fold took 22.4 s
alone with 2 threads, and 34.8 to 36.6 s with 1 thread, alone or two side by side: two
1-thread processes do 1.3x the work of one 2-thread process.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

from stance.errors import StanceError

JOBS_VARIABLE = "STANCE_JOBS"


def parallel_jobs(environ=os.environ) -> int:
    """How many `stance` processes share this machine's cores (`STANCE_JOBS`, default 1)."""
    value = environ.get(JOBS_VARIABLE, "1")
    if not value.strip().isdigit() or int(value) < 1:
        raise StanceError(f"{JOBS_VARIABLE}={value!r}: expected a whole number of parallel jobs, 1 or more")
    return int(value)


def torch_threads(environ=os.environ, cores: int | None = None) -> int:
    """This process's share of the cores for torch's intra-op pool."""
    return max(1, (cores or os.cpu_count() or 1) // parallel_jobs(environ))


@contextmanager
def numeric_threads() -> Iterator[None]:
    """BLAS at one thread, torch at its share of the cores, while the context is open.

    Call it before numpy, scipy or torch is imported where possible: the environment
    reaches only libraries loaded afterwards. An explicit OMP_NUM_THREADS (the user's
    own choice) is kept.
    """
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ.setdefault("OMP_NUM_THREADS", str(torch_threads()))
    if not show_progress():  # transformers' weight-loading bars follow the hub's switch
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def show_progress() -> bool:
    """Progress bars only on a terminal: in a log (make, CI) each bar redraw is a line."""
    return sys.stderr.isatty()


def quiet_library_progress() -> None:
    """Off a terminal, turn off the bars that transformers and the hub draw on their own
    (loading weights, writing shards). The environment switch in `numeric_threads`
    reaches them only if it is set before they are imported; this works at any time."""
    if show_progress():
        return
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils.logging import disable_progress_bar

    disable_progress_bars()
    disable_progress_bar()
