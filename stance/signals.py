"""Holding SIGINT and SIGTERM while a few renames finish what the user would otherwise lose."""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

DEFERRED_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM are ignored until the block ends, since it finishes what the
    user would otherwise lose. Python handlers, not a thread's signal mask: any of
    torch's threads may receive a signal, but its handler always runs in the main one."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; the CLI always writes from it
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in DEFERRED_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
