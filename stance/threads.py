"""The one place that sets how many threads numerical libraries use.

OpenBLAS (under numpy, scipy and scikit-learn) starts a thread pool for every call,
which costs far more than the tiny matrix products of this project's fits. Measured on
an idle 2-core machine: `stance train --config configs/tfidf_logreg.yaml` with 10
permutations took 28.0 s with OpenBLAS's default 2 threads and 7.9 s with 1. torch
uses its own bundled MKL and OpenMP pool, which this limit does not touch, so the
transformer keeps both cores.
"""

from contextlib import AbstractContextManager

from threadpoolctl import threadpool_limits


def single_threaded_blas() -> AbstractContextManager:
    """OpenBLAS limited to one thread for as long as the context is open."""
    return threadpool_limits(limits=1, user_api="blas")
