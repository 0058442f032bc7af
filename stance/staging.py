"""How a run folder is written: reserved before any work, built aside, moved into place whole.

    experiments/
        .NAME.lock              flock'ed by the process writing NAME (holds its pid)
        .NAME.tmp-PID-XXXXXXXX  the run being built
        .NAME.old-PID-XXXXXXXX  the earlier run, for the instant the new one replaces it
        NAME/                   the complete run

At every instant a complete run is on disk under NAME or, for one rename, under
`.NAME.old-*`, and SIGINT and SIGTERM are ignored across the renames. A process that
dies anyway (SIGKILL, power) leaves hidden folders; the next writer of the same run,
holding the lock, puts an orphaned earlier run back and removes the rest. flock is
advisory and local: on a network file system shared between machines it may not
exclude a writer on another host.
"""

import fcntl
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from stance.errors import RunError
from stance.provenance import is_main_process
from stance.runs import Run
from stance.signals import signals_held


def _hidden(run_dir: Path, kind: str) -> Path:
    return run_dir.parent / f".{run_dir.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def _orphans(run_dir: Path, kind: str) -> list[Path]:
    """`kind` folders of `run_dir` left behind. Called only under the run's lock, so no
    live process is building or replacing this run: every one found is an orphan."""
    prefix = f".{run_dir.name}.{kind}-"
    return sorted(p for p in run_dir.parent.iterdir() if p.name.startswith(prefix) and p.is_dir())


def recover(run_dir: Path) -> None:
    """Clean up after a writer of `run_dir` that died: restore its earlier run if the new
    one never arrived, and remove half-built runs and retired ones. Hold the lock."""
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


@contextmanager
def _locked(run_dir: Path) -> Iterator[None]:
    """An exclusive flock on `.NAME.lock` while the block runs; one clear line if another
    process holds it. The kernel drops the lock when its process dies, however it dies,
    so no pid has to be trusted (pids are reused, and pid 1 is common in containers)."""
    lock = run_dir.parent / f".{run_dir.name}.lock"
    while True:
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise RunError(
                f"{run_dir}: another stance process (pid {holder}) is writing this run; "
                "wait for it or choose another --out"
            ) from None
        # The holder before us may have removed the file after we opened it: then our lock
        # is on a file nobody else will open, so start again on the current one.
        if os.path.exists(lock) and os.stat(lock).st_ino == os.fstat(fd).st_ino:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode("ascii"))  # for the message above, not for the lock
        yield
    finally:
        lock.unlink(missing_ok=True)  # before the unlock, so a waiting opener retries (above)
        os.close(fd)


def _real_path(run_dir: Path) -> Path:
    """A symlinked run folder's target, so the link stays valid; one line for a link loop."""
    run_dir = Path(run_dir)
    if not run_dir.is_symlink():
        return run_dir
    try:
        return run_dir.resolve(strict=False)
    except RuntimeError:  # Python 3.11 raises this for a symlink loop
        raise RunError(f"{run_dir}: a symlink loop; give a real folder as --out") from None


@contextmanager
def reserved(run_dir: Path, overwrite: bool) -> Iterator[Path]:
    """The right to write `run_dir`, from before any work until the block ends.

    Yields the real path: a symlinked run folder is written where the link points, so
    the link stays valid. Only the process that writes (not the extra processes of
    `accelerate launch`) takes the lock and cleans up.
    """
    run_dir = _real_path(run_dir)
    if not is_main_process():
        check_can_write(run_dir, overwrite)
        yield run_dir
        return
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    with _locked(run_dir):
        recover(run_dir)
        check_can_write(run_dir, overwrite)
        yield run_dir


@contextmanager
def staged(run_dir: Path, overwrite: bool, on_complete: Callable[[], None] | None = None) -> Iterator[Run]:
    """Yield a Run in a hidden folder that becomes `run_dir` if the block completes.
    `on_complete` runs once the new run is in place, before any signal is let through, so
    that what an interrupt then reports (the caller's business) is that the run is whole."""
    check_can_write(run_dir, overwrite)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = _hidden(run_dir, "tmp")
    staging.mkdir()  # an ordinary folder's permissions (tempfile.mkdtemp would give 0700)
    retired = None
    try:
        yield Run(staging)
        with signals_held():  # the earlier run's removal too: a signal then would report a write as lost
            if run_dir.exists():
                retired = _hidden(run_dir, "old")
                os.replace(run_dir, retired)
            os.replace(staging, run_dir)
            if on_complete is not None:
                on_complete()
            if retired is not None:
                shutil.rmtree(retired)
    finally:
        if retired is not None and retired.exists() and not run_dir.exists():
            os.replace(retired, run_dir)  # the new run failed to arrive: the earlier one goes back
        for leftover in (staging, retired):
            if leftover is not None and leftover.exists():
                shutil.rmtree(leftover)
