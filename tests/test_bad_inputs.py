"""Every bad input gets one clear line and nothing is written: the cases of docs/bad-inputs.md.

Each test gives the CLI one bad input and checks the exit code, that stderr is one line
naming the file and the place, and that no run folder appeared.
"""

import codecs
import errno
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import write_article

from stance import runs
from stance.cli import main
from stance.data import seeds

TOY_ARTICLE = "toy-article"


def one_line_error(capsys, code: int, *fragments: str) -> str:
    """The error line, after checking the exit code and that it is the whole of stderr."""
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


@pytest.fixture
def article(seeds_dir):
    return seeds_dir / "articles" / TOY_ARTICLE


@pytest.fixture
def train(write_config, tmp_path):
    """`stance train` of the toy config into tmp_path/run; the exit code."""

    def run(*extra, config=None):
        return main(["train", "--config", str(config or write_config()), "--out", str(tmp_path / "run"), *extra])

    return run


def with_bad_byte(path, line: int):
    """Replace the first character of `line` (1-based) with a latin-1 é (0xe9, never valid UTF-8 alone)."""
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = b"\xe9" + lines[line - 1][1:]
    path.write_bytes(b"\n".join(lines))
    return sum(len(text) + 1 for text in lines[: line - 1])  # the byte offset of the bad byte


# --- bytes that are not UTF-8 ----------------------------------------------------------------


def test_config_with_a_latin1_byte_names_file_line_and_offset(train, write_config, tmp_path, capsys):
    config = write_config()
    offset = with_bad_byte(config, 2)
    one_line_error(capsys, train(config=config), f"{config}:2: not valid UTF-8", f"byte offset {offset}")
    assert not (tmp_path / "run").exists()


def test_labels_with_a_bad_byte_names_file_line_and_offset(train, article, tmp_path, capsys):
    offset = with_bad_byte(article / seeds.LABELS_FILE, 3)
    one_line_error(capsys, train(), f"{article / seeds.LABELS_FILE}:3: not valid UTF-8", f"byte offset {offset}")
    assert not (tmp_path / "run").exists()


def test_article_text_not_utf8_even_with_a_matching_sha256(train, article, capsys):
    path = article / seeds.ARTICLE_FILE
    offset = with_bad_byte(path, 3)
    meta = yaml.safe_load((article / seeds.META_FILE).read_text(encoding="utf-8"))
    meta["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (article / seeds.META_FILE).write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    one_line_error(capsys, train(), f"{path}:3: not valid UTF-8", f"byte offset {offset}")


def test_predict_input_not_utf8(train, tmp_path, capsys):
    assert train() == 0
    inputs = tmp_path / "in.txt"
    inputs.write_bytes("Russia is a partner.\nCaf\xe9 talks.\n".encode("latin-1"))
    capsys.readouterr()
    code = main(["predict", "--run", str(tmp_path / "run"), "--input", str(inputs)])
    one_line_error(capsys, code, f"{inputs}:2: not valid UTF-8", "byte offset 24")


# --- a UTF-8 byte-order mark, as editors on Windows write it -----------------------------------


@pytest.mark.parametrize("name", [seeds.LABELS_FILE, seeds.SENTENCES_FILE, seeds.META_FILE, "config"])
def test_a_byte_order_mark_is_accepted(name, train, article, write_config, tmp_path):
    path = write_config() if name == "config" else article / name
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    assert train(config=write_config() if name != "config" else path) == 0
    assert (tmp_path / "run" / "run.json").is_file()


def test_a_byte_order_mark_in_article_text_is_part_of_its_bytes(train, article, capsys):
    path = article / seeds.ARTICLE_FILE
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    one_line_error(capsys, train(), f"{path}: sha256 differs")
    meta = yaml.safe_load((article / seeds.META_FILE).read_text(encoding="utf-8"))
    meta["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (article / seeds.META_FILE).write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    # Kept as a character, the BOM shifts every offset by one; stripped, they would match.
    one_line_error(capsys, train(), "offsets [0, 25) of sentence 'toy-article.s01' do not match the article text")


def test_the_byte_offset_counts_a_byte_order_mark(train, article, capsys):
    path = article / seeds.LABELS_FILE
    offset = with_bad_byte(path, 3)
    path.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    one_line_error(capsys, train(), f"{path}:3: not valid UTF-8", f"byte offset {offset + 3}")


# --- config ----------------------------------------------------------------------------------


def test_set_value_that_is_not_yaml_names_the_override(train, capsys):
    one_line_error(capsys, train("--set", "model.C=[1"), "--set model.C=[1: the value is not valid YAML")


def test_duplicate_key_in_a_config_is_refused_with_both_lines(train, tmp_path, seeds_dir, capsys):
    config = tmp_path / "dup.yaml"
    config.write_text(
        f"seed: 7\ndata:\n  seeds_dir: {seeds_dir}\nmodel:\n  type: tfidf\n  C: 1.0\n  C: 2.0\n", encoding="utf-8"
    )
    one_line_error(capsys, train(config=config), f"{config}:7: key 'C' appears twice, on lines 6 and 7")
    assert not (tmp_path / "run").exists()


def test_yaml_merge_keys_still_work_and_a_complex_key_is_one_line(train, tmp_path, seeds_dir, capsys):
    merged = tmp_path / "merged.yaml"
    merged.write_text(
        f"base: &base {{type: tfidf, C: 1.0}}\nseed: 7\ndata: {{seeds_dir: {seeds_dir}}}\n"
        "protocol: {type: loo}\nmodel:\n  <<: *base\n  C: 2.0\n",
        encoding="utf-8",
    )
    one_line_error(capsys, train(config=merged), f"{merged}: base: unknown key")  # merged, then validated
    complex_key = tmp_path / "complex.yaml"
    complex_key.write_text("? [a, b]\n: 1\n", encoding="utf-8")
    one_line_error(capsys, train(config=complex_key), f"{complex_key}:1: invalid YAML")


def test_duplicate_key_in_meta_yaml_is_refused(train, article, capsys):
    meta = article / seeds.META_FILE
    meta.write_text(meta.read_text(encoding="utf-8") + "title: again\n", encoding="utf-8")
    one_line_error(capsys, train(), f"{meta}:", "key 'title' appears twice")


# --- data ------------------------------------------------------------------------------------


def test_hidden_folders_are_skipped_everywhere(train, seeds_dir, tmp_path):
    """A notebook's checkpoint copy of an article, set or annotation is not data."""
    write_article(seeds_dir, ".ipynb_checkpoints", [("A copied sentence.", "FAVOR")])
    (seeds_dir / "sets" / ".ipynb_checkpoints").mkdir(parents=True)  # not a set: agreement would fail on it
    (seeds_dir / "articles" / TOY_ARTICLE / "annotations").mkdir()
    (seeds_dir / "articles" / TOY_ARTICLE / "annotations" / ".backup.jsonl").write_text("not json\n")
    assert train() == 0
    ids = {json.loads(line)["id"] for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()}
    assert all(i.startswith(TOY_ARTICLE) for i in ids)
    assert main(["agreement", "--seeds", str(seeds_dir)]) == 0


def test_a_label_shuffle_that_leaves_a_fold_one_class_is_refused_before_any_work(
    train, article, write_config, tmp_path, capsys, monkeypatch
):
    """The unshuffled folds pass; one shuffle of the permutation null would not."""
    relabel(article, lambda line: "AGAINST" if line in (2, 3) else "FAVOR")
    kfold = {"type": "repeated_kfold", "n_splits": 2, "n_repeats": 10}  # stratified: one AGAINST a side
    config = write_config(protocol=kfold, analysis={"chance_permutations": 50})
    monkeypatch.setattr("stance.train.fit_predict", lambda *args, **kwargs: pytest.fail("work started"))
    one_line_error(capsys, train(config=config), "under label shuffle", "set analysis.chance_permutations: 0")
    assert not (tmp_path / "run").exists()


def relabel(article, label_of):
    """Rewrite the toy labels.jsonl with `label_of(line number)` (a fixture, not seeds data)."""
    path = article / seeds.LABELS_FILE
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    seeds.write_jsonl(path, [{**row, "label": label_of(i)} for i, row in enumerate(rows, 1)])


def test_labels_of_one_class_are_refused_before_any_work(train, article, seeds_dir, tmp_path, capsys):
    relabel(article, lambda line: "FAVOR")
    one_line_error(capsys, train(), f"{seeds_dir}: the labels hold one class only (FAVOR 10)")
    assert not (tmp_path / "run").exists()


def test_a_fold_that_trains_on_one_class_is_refused_before_any_work(train, article, tmp_path, capsys):
    relabel(article, lambda line: "AGAINST" if line == 4 else "FAVOR")  # leave-one-out holds it out once
    one_line_error(capsys, train(), "fold 4 of repeat 1 trains on one class only (FAVOR 9)")
    assert not (tmp_path / "run").exists()


# --- run folders -----------------------------------------------------------------------------


def test_predict_with_a_cut_estimator_file_says_the_run_is_corrupt(train, tmp_path, capsys):
    assert train() == 0
    estimator = tmp_path / "run" / "model" / "estimator.joblib"
    estimator.write_bytes(estimator.read_bytes()[:500])
    capsys.readouterr()
    code = main(["predict", "--run", str(tmp_path / "run"), "Russia is a partner."])
    one_line_error(capsys, code, f"{tmp_path / 'run' / 'model'}: cannot load the saved model", "incomplete or corrupt")


def test_predict_with_missing_transformer_weights_says_the_run_is_incomplete(write_config, tiny_bert, tmp_path, capsys):
    model = {"type": "transformer", "checkpoint": str(tiny_bert), "epochs": 1, "batch_size": 4, "max_length": 32}
    config = write_config(model=model)
    run = tmp_path / "run"
    assert main(["train", "--config", str(config), "--out", str(run)]) == 0
    (run / "model" / "model.safetensors").unlink()
    capsys.readouterr()
    code = main(["predict", "--run", str(run), "Russia is a partner."])
    one_line_error(capsys, code, f"{run / 'model'}: cannot load the saved model", "incomplete or corrupt")


@pytest.mark.parametrize("cut", ["at a line end", "inside a line"])
def test_evaluate_on_cut_predictions_says_the_run_is_corrupt(cut, train, tmp_path, capsys):
    assert train() == 0
    path = tmp_path / "run" / "predictions.jsonl"
    data = path.read_bytes()
    path.write_bytes(
        data[: data.index(b"\n", len(data) // 2) + 1] if cut == "at a line end" else data[: len(data) // 2]
    )
    capsys.readouterr()
    one_line_error(capsys, main(["evaluate", "--run", str(tmp_path / "run")]), str(path), "incomplete or corrupt")
    assert not (tmp_path / "run" / "metrics.json").exists()


# --- predict inputs and outputs --------------------------------------------------------------


def test_predict_output_in_a_missing_folder_fails_before_any_work(train, tmp_path, capsys, monkeypatch):
    assert train() == 0
    monkeypatch.setattr("stance.predict.load_run_model", lambda run: pytest.fail("loaded the model first"))
    capsys.readouterr()
    out = tmp_path / "no" / "such" / "out.jsonl"
    code = main(["predict", "--run", str(tmp_path / "run"), "--output", str(out), "Russia is a partner."])
    one_line_error(capsys, code, f"{out.parent}: --output's folder does not exist")


def test_predict_on_an_empty_input_file_says_so(train, tmp_path, capsys):
    assert train() == 0
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    capsys.readouterr()
    code = main(["predict", "--run", str(tmp_path / "run"), "--input", str(empty)])
    one_line_error(capsys, code, f"{empty}: no sentences")


# --- signals, staging, concurrent writers --------------------------------------------------------


def hidden_leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_sigterm_while_writing_cleans_up_and_keeps_the_earlier_run(train, tmp_path, capsys, monkeypatch):
    assert train() == 0
    before = (tmp_path / "run" / "run.json").read_text()

    def killed(self, rows):
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill` or `timeout` would send it

    monkeypatch.setattr(runs.Run, "write_predictions", killed)
    capsys.readouterr()
    assert train("--overwrite") == 130
    err = capsys.readouterr().err
    assert err == f"interrupted; nothing was written; the earlier run in {tmp_path / 'run'} is unchanged\n"
    assert (tmp_path / "run" / "run.json").read_text() == before
    assert hidden_leftovers(tmp_path) == []


def test_ctrl_c_during_training_is_one_line_and_exit_130(train, tmp_path, capsys, monkeypatch):
    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("stance.train.fit_predict", pressed)
    assert train() == 130
    assert capsys.readouterr().err == "interrupted; nothing was written\n"
    assert not (tmp_path / "run").exists() and hidden_leftovers(tmp_path) == []


def test_a_real_sigterm_stops_training_with_one_line(write_config, tmp_path):
    """A separate process, killed while it computes a long permutation null."""
    config = write_config(analysis={"chance_permutations": 100000})
    process = subprocess.Popen(
        [sys.executable, "-m", "stance", "train", "--config", str(config), "--out", str(tmp_path / "run")],
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = tmp_path / ".run.lock"  # taken once the data has loaded and the work starts
    try:
        for _ in range(600):
            if lock.exists() or process.poll() is not None:
                break
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()  # a failed check must not leave a 100,000-permutation run on the machine
    assert process.returncode == 130, err
    assert err == "interrupted; nothing was written\n"
    assert not (tmp_path / "run").exists() and hidden_leftovers(tmp_path) == []


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_stale_staging_of_a_dead_process_is_removed_by_the_next_train(train, tmp_path):
    pid = dead_pid()
    (tmp_path / f".run.tmp-{pid}-0badc0de").mkdir()
    (tmp_path / f".run.tmp-{pid}-0badc0de" / "half.jsonl").write_text("{")
    assert train() == 0
    assert hidden_leftovers(tmp_path) == []


def test_an_earlier_run_orphaned_between_two_renames_is_put_back(train, tmp_path, capsys):
    """A writer killed (SIGKILL) after moving the old run aside, before the new one arrived."""
    assert train() == 0
    before = (tmp_path / "run" / "run.json").read_text()
    os.rename(tmp_path / "run", tmp_path / f".run.old-{dead_pid()}-0badc0de")
    capsys.readouterr()
    one_line_error(capsys, train(), "a run already exists; pass --overwrite")  # it is back, so not replaced
    assert (tmp_path / "run" / "run.json").read_text() == before
    assert hidden_leftovers(tmp_path) == []


def is_staging_rename(source, target) -> bool:
    """One of the two renames that put a new run in place (not a file's atomic write inside the run)."""
    return Path(source).name == "run" or Path(source).name.startswith(".run.tmp-")


def test_a_signal_during_the_renames_waits_until_the_new_run_is_in_place(train, tmp_path, capsys, monkeypatch):
    assert train() == 0
    replace = os.replace

    def replace_then_signal(source, target):
        replace(source, target)
        if is_staging_rename(source, target):
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr("stance.staging.os.replace", replace_then_signal)
    assert train("--overwrite", "--set", "seed=8") == 0
    assert json.loads((tmp_path / "run" / "run.json").read_text())["seed"] == 8
    assert hidden_leftovers(tmp_path) == []


def test_a_failed_second_rename_puts_the_earlier_run_back(train, tmp_path, capsys, monkeypatch):
    assert train() == 0
    before = (tmp_path / "run" / "run.json").read_text()
    replace, calls = os.replace, []

    def second_fails(source, target):
        if is_staging_rename(source, target):
            calls.append(target)
            if len(calls) == 2:  # the new run into place
                raise OSError(errno.EIO, "Input/output error", str(target))
        replace(source, target)

    monkeypatch.setattr("stance.staging.os.replace", second_fails)
    capsys.readouterr()
    one_line_error(capsys, train("--overwrite"), "Input/output error")
    assert (tmp_path / "run" / "run.json").read_text() == before
    assert hidden_leftovers(tmp_path) == []


HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
os.write(fd, str(os.getpid()).encode())
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_writer_of_the_same_run_is_refused_and_its_staging_survives(train, tmp_path, capsys):
    """A live writer (here a process holding the run's lock, as `stance train` does) keeps
    its half-built run; a writer that has died leaves a lock nobody holds, which is taken."""
    writer = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path / ".run.lock")], stdout=subprocess.PIPE)
    building = tmp_path / f".run.tmp-{writer.pid}-0badc0de"
    try:
        assert writer.stdout.readline() == b"locked\n"
        building.mkdir()
        one_line_error(capsys, train(), f"another stance process (pid {writer.pid}) is writing this run")
        assert building.is_dir()  # not taken for an orphan
    finally:
        writer.kill()
        writer.wait()
    assert not (tmp_path / "run").exists()
    assert train() == 0  # the writer is gone: its lock is free and its staging an orphan
    assert hidden_leftovers(tmp_path) == []


def test_a_lock_file_holding_our_own_or_no_pid_does_not_block(train, tmp_path):
    """Only a held lock blocks: pids are reused (pid 1 in a container), so they decide nothing."""
    (tmp_path / ".run.lock").write_text(str(os.getpid()))
    assert train() == 0
    (tmp_path / ".run.lock").write_text("")
    assert train("--overwrite") == 0


def test_a_full_disk_is_one_line_and_leaves_nothing(train, tmp_path, capsys, monkeypatch):
    assert train() == 0
    before = (tmp_path / "run" / "run.json").read_text()

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("stance.runs.write_atomically", full)
    capsys.readouterr()
    one_line_error(capsys, train("--overwrite"), "No space left on device")
    assert (tmp_path / "run" / "run.json").read_text() == before
    assert hidden_leftovers(tmp_path) == []


# --- folders -----------------------------------------------------------------------------------


def test_run_folders_and_files_have_ordinary_permissions(train, tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    assert train() == 0
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o777 & ~umask
    for name in ("run.json", "predictions.jsonl", "config.yaml"):
        assert stat.S_IMODE((tmp_path / "run" / name).stat().st_mode) == 0o666 & ~umask, name


def test_a_symlink_loop_as_out_is_one_line(train, tmp_path, capsys):
    (tmp_path / "run").symlink_to(tmp_path / "run")
    one_line_error(capsys, train(), "a symlink loop")


def test_a_symlinked_run_folder_is_written_where_it_points(train, tmp_path):
    real = tmp_path / "storage" / "run"
    real.parent.mkdir()
    assert train() == 0
    os.rename(tmp_path / "run", real)
    (tmp_path / "run").symlink_to(real, target_is_directory=True)
    assert train("--overwrite", "--set", "seed=9") == 0
    assert (tmp_path / "run").is_symlink()
    assert json.loads((real / "run.json").read_text())["seed"] == 9


def test_training_writes_nothing_into_a_read_only_seeds_folder(train, seeds_dir):
    listing = {p: p.stat().st_mtime_ns for p in seeds_dir.rglob("*")}
    for path in listing:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        assert train() == 0
        assert {p: p.stat().st_mtime_ns for p in seeds_dir.rglob("*")} == listing
    finally:
        for path in listing:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_an_unwritable_sentences_file_is_one_line(article, capsys, monkeypatch):
    def denied(path, rows):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(seeds, "write_jsonl", denied)
    code = main(["segment", str(article), "--overwrite"])
    one_line_error(capsys, code, f"{article / seeds.SENTENCES_FILE}: Permission denied")


def test_config_paths_are_read_from_the_current_directory_and_recorded_resolved(
    train, write_config, seeds_dir, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(seeds_dir.parent)
    assert train(config=write_config(data={"seeds_dir": "seeds"})) == 0
    data = json.loads((tmp_path / "run" / "run.json").read_text())["data"]
    assert data["location"] == "seeds" and data["absolute_location"] == str(seeds_dir.resolve())

    monkeypatch.chdir(tmp_path / "run")
    capsys.readouterr()
    code = train(config=write_config(name="elsewhere", data={"seeds_dir": "seeds"}))
    one_line_error(
        capsys, code, "seeds/articles: seeds folder has no articles/ directory", "paths are read from the current"
    )


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("in.jsonl", '{"txt": "a"}\n', 'in.jsonl:1: expected an object with a non-empty "text" string'),
        ("in.jsonl", '{"text": "a", "target": "t"}\n{"text": "b"}\n', 'in.jsonl:2: either every row has a "target"'),
        ("in.csv", "a\n", "in.csv: expected a .txt or .jsonl file"),
    ],
    ids=["no text", "target in some rows", "suffix"],
)
def test_predict_input_that_is_not_sentences_is_one_line(name, content, message, train, tmp_path, capsys):
    assert train() == 0
    (tmp_path / name).write_text(content, encoding="utf-8")
    capsys.readouterr()
    code = main(["predict", "--run", str(tmp_path / "run"), "--input", str(tmp_path / name)])
    one_line_error(capsys, code, message)


def test_an_interrupt_once_the_new_run_is_in_place_says_it_is_complete(train, tmp_path, capsys, monkeypatch):
    """Issue 23, gap 2: after the rename, an interrupt must not report the new run as lost."""
    import builtins

    assert train() == 0
    before = (tmp_path / "run" / "run.json").read_text()

    def interrupted_at_the_last_line(*args, **kwargs):
        if args and str(args[0]).startswith("wrote "):
            raise KeyboardInterrupt
        builtins.print(*args, **kwargs)

    monkeypatch.setattr("stance.cli.print", interrupted_at_the_last_line, raising=False)
    capsys.readouterr()
    assert train("--overwrite") == 130
    assert capsys.readouterr().err == f"interrupted; the new run in {tmp_path / 'run'} is complete\n"
    assert (tmp_path / "run" / "run.json").read_text() != before  # the new run, whole
    assert hidden_leftovers(tmp_path) == []


@pytest.mark.slow
def test_sigint_at_any_moment_of_an_overwrite_never_kills_a_finished_run(write_config, tmp_path):
    """A real SIGINT at 12 moments of `stance train --overwrite` (about 2 s each): the exit
    code is 0 with `wrote`, or 130 with a line saying what is on disk; never death by signal."""
    config = write_config()
    command = [sys.executable, "-m", "stance", "train", "--config", str(config), "--out", str(tmp_path / "run")]
    env = {**os.environ, "STANCE_TRACKING": "none"}
    started = time.monotonic()
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    full = time.monotonic() - started
    for step in range(12):
        process = subprocess.Popen([*command, "--overwrite"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(full * (0.4 + 0.06 * step))  # from loading to past the write
        process.send_signal(signal.SIGINT)
        out, err = (stream.decode() for stream in process.communicate(timeout=60))
        assert process.returncode in (0, 130), (process.returncode, out, err)
        if process.returncode == 0:
            assert out.startswith("wrote ") and err == ""
        else:
            assert err.startswith("interrupted"), err
            if "nothing was written" in err:
                assert "the earlier run" in err
        assert runs.Run.open(tmp_path / "run").record.n_predictions  # the old run or the new, whole
        assert hidden_leftovers(tmp_path) == []


SCORE_FILES = ("metrics.json", "report.md", "confusion_matrix.png")


def scored_files(run_dir):
    return {name: (run_dir / name).read_bytes() for name in SCORE_FILES}


def test_an_interrupt_while_scoring_leaves_the_old_metrics_and_report(train, tmp_path, capsys, monkeypatch):
    assert train() == 0 and main(["evaluate", "--run", str(tmp_path / "run")]) == 0
    before = scored_files(tmp_path / "run")

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("stance.report.run.render", pressed)
    capsys.readouterr()
    assert main(["evaluate", "--run", str(tmp_path / "run")]) == 130
    assert capsys.readouterr().err == f"interrupted; {tmp_path / 'run'}: metrics.json and report.md are unchanged\n"
    assert scored_files(tmp_path / "run") == before and hidden_leftovers(tmp_path / "run") == []


def test_a_signal_between_writing_metrics_and_report_waits_until_both_are_new(train, tmp_path, monkeypatch):
    """Issue 23: an interrupt between metrics.json and report.md left a new metrics.json
    beside an old report.md. Now all three are renamed with the signal held."""
    run_dir = tmp_path / "run"
    assert train() == 0 and main(["evaluate", "--run", str(run_dir)]) == 0
    (run_dir / "report.md").write_text("an old report\n")
    replace = os.replace

    def replace_then_signal(source, target):
        replace(source, target)
        if str(target).endswith("metrics.json"):
            os.kill(os.getpid(), signal.SIGINT)  # between the first rename and the others

    monkeypatch.setattr("stance.runs.os.replace", replace_then_signal)
    assert main(["evaluate", "--run", str(run_dir)]) == 0
    assert (run_dir / "report.md").read_text() != "an old report\n"
    assert hidden_leftovers(run_dir) == []


def test_a_full_disk_while_scoring_is_one_line_and_changes_nothing(write_config, small_disk, capsys):
    """A real ENOSPC: the run folder on a full 8 MiB tmpfs."""
    mount, fill = small_disk
    run_dir = mount / "run"
    assert main(["train", "--config", str(write_config()), "--out", str(run_dir)]) == 0
    assert main(["evaluate", "--run", str(run_dir)]) == 0
    before = scored_files(run_dir)
    fill()
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run_dir)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ") and "No space left on device" in line, line
    assert scored_files(run_dir) == before and hidden_leftovers(run_dir) == []


# kill -9 at chosen moments: a wrapper patches one step of `stance train` to SIGKILL its own
# process there, then runs the real CLI. Nothing can clean up after SIGKILL; the next
# run of the same command must.
KILLED_AT = {
    "loading": "stance.train.prepare",
    "fold 1": "stance.train.fit_one",
    "writing the run": "stance.runs.Run.write_predictions",
    "between the two renames": "stance.staging.os.replace",
}
WRAPPER = """
import os, signal, sys, importlib
target = sys.argv.pop(1)
module_name, _, attribute = target.rpartition(".")
try:
    owner = importlib.import_module(module_name)
except ModuleNotFoundError:  # a class attribute: stance.runs.Run.write_predictions
    module_name, _, klass = module_name.rpartition(".")
    owner = getattr(importlib.import_module(module_name), klass)
real = getattr(owner, attribute)
def killed(*args, **kwargs):
    if attribute == "replace":  # os.replace, everywhere: die once the earlier run is set aside
        real(*args, **kwargs)
        if ".old-" not in str(args[1]):
            return None
    if attribute == "write_predictions":  # half a file, then death
        (args[0].path / "predictions.jsonl").write_text('{"id": "half')
    os.kill(os.getpid(), signal.SIGKILL)
setattr(owner, attribute, killed)
from stance.cli import run
run()
"""


@pytest.mark.slow
@pytest.mark.parametrize("moment", sorted(KILLED_AT))
def test_kill_9_at_any_moment_then_a_plain_rerun_succeeds_and_leaves_nothing(write_config, tmp_path, moment):
    config, run_dir = write_config(), tmp_path / "run"
    train = ["train", "--config", str(config), "--out", str(run_dir), "--overwrite"]
    env = {**os.environ, "STANCE_TRACKING": "none"}
    assert subprocess.run([sys.executable, "-m", "stance", *train], env=env, capture_output=True).returncode == 0
    before = (run_dir / "run.json").read_text()
    killed = subprocess.run(
        [sys.executable, "-c", WRAPPER, KILLED_AT[moment], *train], env=env, capture_output=True, timeout=120
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    if run_dir.exists():  # what a reader sees now is the earlier run, whole, never the half one
        assert (run_dir / "run.json").read_text() == before
        assert len(runs.Run.open(run_dir).predictions) == runs.Run.open(run_dir).record.n_predictions
    rerun = subprocess.run([sys.executable, "-m", "stance", *train], env=env, capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert runs.Run.open(run_dir).record.n_predictions == len(runs.Run.open(run_dir).predictions)
    assert hidden_leftovers(tmp_path) == []  # no .run.tmp-*, .run.old-*, nor .run.lock


@pytest.mark.slow
def test_kill_9_at_twelve_moments_of_a_real_train_then_a_rerun_succeeds(write_config, tmp_path):
    """The same with real SIGKILLs sent from outside at 12 moments of the ~2 s command."""
    config, run_dir = write_config(), tmp_path / "run"
    command = [sys.executable, "-m", "stance", "train", "--config", str(config), "--out", str(run_dir), "--overwrite"]
    env = {**os.environ, "STANCE_TRACKING": "none"}
    started = time.monotonic()
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    full = time.monotonic() - started
    for step in range(12):
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * (0.3 + 0.07 * step))
        process.kill()
        process.wait()
        if run_dir.exists():
            run = runs.Run.open(run_dir)
            assert len(run.predictions) == run.record.n_predictions
        assert subprocess.run(command, env=env, capture_output=True, timeout=120).returncode == 0
        assert hidden_leftovers(tmp_path) == []


def reported(write_config, experiments):
    """Two evaluated toy runs in `experiments` and their REPORT.md, as `make evaluate` leaves them."""
    for name, model in (("tfidf_logreg", {"type": "tfidf"}), ("majority", {"type": "majority"})):
        assert (
            main(["train", "--config", str(write_config(name=name, model=model)), "--out", str(experiments / name)])
            == 0
        )
        assert main(["evaluate", "--run", str(experiments / name)]) == 0
    assert main(["report", "--experiments", str(experiments)]) == 0


def test_an_interrupt_while_reporting_leaves_the_old_report_whole(write_config, tmp_path, capsys, monkeypatch):
    experiments = tmp_path / "experiments"
    reported(write_config, experiments)
    before = {p.name: p.read_bytes() for p in [experiments / "REPORT.md", experiments / "REPORT.html"]}

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("stance.report.comparison.render", pressed)
    capsys.readouterr()
    assert main(["report", "--experiments", str(experiments)]) == 130
    assert capsys.readouterr().err.startswith(f"interrupted; the report in {experiments} is unchanged")
    assert {p.name: p.read_bytes() for p in [experiments / "REPORT.md", experiments / "REPORT.html"]} == before
    assert [p.name for p in experiments.iterdir() if p.name.startswith(".")] == []


def test_a_signal_while_the_report_files_are_renamed_waits_until_all_are_new(write_config, tmp_path, monkeypatch):
    experiments = tmp_path / "experiments"
    reported(write_config, experiments)
    (experiments / "REPORT.html").write_text("an old page")
    replace = os.replace

    def replace_then_signal(source, target):
        replace(source, target)
        if str(target).endswith("REPORT.md"):
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr("stance.runs.os.replace", replace_then_signal)
    assert main(["report", "--experiments", str(experiments)]) == 0
    assert (experiments / "REPORT.html").read_text() != "an old page"


def test_an_interrupt_during_label_import_changes_no_annotations_file(seeds_dir, tmp_path, capsys, monkeypatch):
    article = seeds_dir / "articles" / TOY_ARTICLE
    export = tmp_path / "export.json"
    export.write_text("[]")

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("stance.labelling.labelstudio.read_export", pressed)
    before = sorted((article / "annotations").iterdir()) if (article / "annotations").exists() else []
    assert main(["label", "import", str(export), "--into", str(article)]) == 130
    assert capsys.readouterr().err == f"interrupted; no annotations file in {article / 'annotations'} was changed\n"
    after = sorted((article / "annotations").iterdir()) if (article / "annotations").exists() else []
    assert after == before


def test_an_interrupt_during_tune_says_what_the_storage_keeps(write_config, tmp_path, capsys, monkeypatch):
    config = write_config(
        protocol={"type": "repeated_kfold", "n_splits": 2, "n_repeats": 10}, tune={"trials": 2, "inner_splits": 2}
    )

    def pressed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("stance.train.fill_studies", pressed)
    storage = tmp_path / "studies.journal"
    assert main(["tune", "--config", str(config), "--storage", str(storage)]) == 130
    assert "the complete trials are kept in" in capsys.readouterr().err


# A real full disk: an 8 MiB tmpfs (conftest `small_disk`), filled before the command.


@pytest.mark.parametrize("keep", [0, 20_000])  # nothing free; a little, so the failure comes mid-write
def test_a_train_onto_a_full_disk_is_one_line_and_keeps_the_earlier_run(write_config, small_disk, capsys, keep):
    mount, fill = small_disk
    config, run_dir = write_config(), mount / "run"
    assert main(["train", "--config", str(config), "--out", str(run_dir)]) == 0
    before = (run_dir / "run.json").read_text()
    fill(keep)
    capsys.readouterr()
    assert main(["train", "--config", str(config), "--out", str(run_dir), "--overwrite", "--set", "seed=8"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ") and "No space left on device" in line, line
    assert (run_dir / "run.json").read_text() == before
    assert sorted(p.name for p in mount.iterdir()) == ["filler", "run"]  # no staging folder, no lock


def test_a_report_onto_a_full_disk_is_one_line_and_keeps_the_old_one(write_config, small_disk, capsys):
    mount, fill = small_disk
    experiments = mount / "experiments"
    reported(write_config, experiments)
    before = (experiments / "REPORT.md").read_bytes(), (experiments / "REPORT.html").read_bytes()
    fill()
    capsys.readouterr()
    assert main(["report", "--experiments", str(experiments)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "No space left on device" in line, line
    assert ((experiments / "REPORT.md").read_bytes(), (experiments / "REPORT.html").read_bytes()) == before
    leftovers = [p for folder in (experiments, experiments / "figures") for p in folder.iterdir() if p.name[0] == "."]
    assert leftovers == []


def test_predictions_onto_a_full_disk_are_one_line_and_leave_no_file(write_config, small_disk, tmp_path, capsys):
    mount, fill = small_disk
    run_dir = tmp_path / "run"
    assert main(["train", "--config", str(write_config()), "--out", str(run_dir)]) == 0
    sentences = tmp_path / "in.txt"
    sentences.write_text("We support cooperation with Russia.\n" * 2000)
    fill()
    capsys.readouterr()
    assert (
        main(["predict", "--run", str(run_dir), "--input", str(sentences), "--output", str(mount / "out.jsonl")]) == 2
    )
    (line,) = capsys.readouterr().err.splitlines()
    assert "No space left on device" in line, line
    assert sorted(p.name for p in mount.iterdir()) == ["filler"]
