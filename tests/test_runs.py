import pytest

from stance import runs
from stance.errors import RunError


def make_run(run_dir, content):
    with runs.staged(run_dir, overwrite=run_dir.exists()) as staging:
        (staging / "marker.txt").write_text(content)


def test_a_completed_run_is_moved_into_place(tmp_path):
    make_run(tmp_path / "exp", "one")
    assert (tmp_path / "exp" / "marker.txt").read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["exp"]  # no staging leftovers


def test_a_failed_run_leaves_nothing_behind_and_keeps_the_earlier_run(tmp_path):
    make_run(tmp_path / "exp", "one")
    with pytest.raises(ZeroDivisionError):
        with runs.staged(tmp_path / "exp", overwrite=True) as staging:
            (staging / "marker.txt").write_text("two")
            1 / 0
    assert (tmp_path / "exp" / "marker.txt").read_text() == "one"
    assert [p.name for p in tmp_path.iterdir()] == ["exp"]


def test_an_existing_run_is_not_overwritten_without_permission(tmp_path):
    make_run(tmp_path / "exp", "one")
    with pytest.raises(RunError, match="already exists; pass --overwrite"):
        with runs.staged(tmp_path / "exp", overwrite=False):
            pass
    assert (tmp_path / "exp" / "marker.txt").read_text() == "one"


def test_overwrite_replaces_the_run_whole(tmp_path):
    make_run(tmp_path / "exp", "one")
    (tmp_path / "exp" / "stale.txt").write_text("old file")
    make_run(tmp_path / "exp", "two")
    assert sorted(p.name for p in (tmp_path / "exp").iterdir()) == ["marker.txt"]
    assert (tmp_path / "exp" / "marker.txt").read_text() == "two"
