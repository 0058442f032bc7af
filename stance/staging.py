"""How a run folder is written: reserved before any work, built aside, moved into place whole.

    experiments/
        .NAME.lock              the writing process's pid, while it trains NAME
        .NAME.tmp-PID-XXXXXXXX  the run being built
        .NAME.old-PID-XXXXXXXX  the earlier run, for the instant the new one replaces it
        NAME/                   the complete run

At every instant a complete run is on disk under NAME or, for one rename, under
`.NAME.old-*`, and SIGINT and SIGTERM are ignored across the two renames. A process
that dies anyway (SIGKILL, power) leaves hidden folders whose pid is gone: the next
write to the same folder puts an orphaned earlier run back and removes the rest.
"""

import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stance.errors import RunError
from stance.provenance import is_main_process
from stance.runs import Run

DEFERRED_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _hidden(run_dir: Path, kind: str) -> Path:
    return run_dir.parent / f".{run_dir.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    return True


def _writer_pid(path: Path) -> int | None:
    """The pid in a hidden staging name `.NAME.KIND-PID-TOKEN`, None if there is none."""
    pid = path.name.rsplit("-", 2)[-2] if path.name.count("-") >= 2 else ""
    return int(pid) if pid.isdigit() else None


def _orphans(run_dir: Path, kind: str) -> list[Path]:
    """`kind` folders of `run_dir` left by processes that are gone (or that predate pids in names)."""
    prefix = f".{run_dir.name}.{kind}-"
    found = [p for p in run_dir.parent.iterdir() if p.name.startswith(prefix) and p.is_dir()]
    return [p for p in found if (pid := _writer_pid(p)) is None or not _pid_alive(pid)]


def recover(run_dir: Path) -> None:
    """Clean up after a writer of `run_dir` that died: restore its earlier run if the new
    one never arrived, and remove half-built runs and retired ones."""
    if not run_dir.parent.is_dir():
        return
    for old in _orphans(run_dir, "old"):
        if run_dir.exists():
            shutil.rmtree(old)
        else:
            os.replace(old, run_dir)
    for tmp in _orphans(run_dir, "tmp"):
        shutil.rmtree(tmp)


def check_can_write(run_dir: Path, overwrite: bool) -> None:
    """Fail before any work if `run_dir` holds a run and `overwrite` was not asked for."""
    if run_dir.exists() and not overwrite:
        raise RunError(f"{run_dir}: a run already exists; pass --overwrite to replace it")
    if run_dir.exists() and not run_dir.is_dir():
        raise RunError(f"{run_dir}: exists and is not a folder")


def _lock(run_dir: Path) -> Path:
    """Create `.NAME.lock` holding this pid; one clear line if a live process holds it."""
    lock = run_dir.parent / f".{run_dir.name}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            text = lock.read_text(encoding="utf-8", errors="replace").strip()
            if text.isdigit() and _pid_alive(int(text)):
                raise RunError(
                    f"{run_dir}: another stance process (pid {text}) is writing this run; "
                    "wait for it or choose another --out"
                ) from None
            lock.unlink(missing_ok=True)  # its writer is gone
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(str(os.getpid()))
        return lock
    raise RunError(f"{lock}: cannot take the lock on {run_dir}; remove the file if no stance process is running")


@contextmanager
def reserved(run_dir: Path, overwrite: bool) -> Iterator[Path]:
    """The right to write `run_dir`, from before any work until the block ends.

    Yields the real path: a symlinked run folder is written where the link points, so
    the link stays valid. Only the process that writes (not the extra processes of
    `accelerate launch`) takes the lock and cleans up.
    """
    run_dir = Path(run_dir).resolve() if Path(run_dir).is_symlink() else Path(run_dir)
    if not is_main_process():
        check_can_write(run_dir, overwrite)
        yield run_dir
        return
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock(run_dir)
    try:
        recover(run_dir)
        check_can_write(run_dir, overwrite)
        yield run_dir
    finally:
        lock.unlink(missing_ok=True)


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


@contextmanager
def staged(run_dir: Path, overwrite: bool) -> Iterator[Run]:
    """Yield a Run in a hidden folder that becomes `run_dir` if the block completes."""
    check_can_write(run_dir, overwrite)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = _hidden(run_dir, "tmp")
    staging.mkdir()  # an ordinary folder's permissions (tempfile.mkdtemp would give 0700)
    retired = None
    try:
        yield Run(staging)
        with signals_held():
            if run_dir.exists():
                retired = _hidden(run_dir, "old")
                os.replace(run_dir, retired)
            os.replace(staging, run_dir)
    finally:
        if retired is not None and retired.exists() and not run_dir.exists():
            os.replace(retired, run_dir)  # the new run failed to arrive: the earlier one goes back
        for leftover in (staging, retired):
            if leftover is not None and leftover.exists():
                shutil.rmtree(leftover)
