"""Shared fixtures: a tiny, valid seeds folder written fresh for each test."""

import hashlib
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from stance.data import seeds

# No test may touch the network: the Hub is unreachable here and in CI.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# Tests never track into the repo's experiments/mlflow.db; tests of tracking give their own store.
os.environ["STANCE_TRACKING"] = "none"

REPO = Path(__file__).resolve().parent.parent

TOY_SENTENCES = [
    ("We strongly support cooperation with Russia against terrorism.", "FAVOR"),
    ("Working together with Moscow would help both countries.", "FAVOR"),
    ("Officials praised the joint effort with Russia.", "FAVOR"),
    ("Russia is a dangerous threat and cannot be a partner.", "AGAINST"),
    ("The senator rejected any deal with Moscow.", "AGAINST"),
    ("Cooperation with Russia was ruled out by the cabinet.", "AGAINST"),
    ("The meeting took place on a rainy Tuesday.", "NONE"),
    ("The report runs to forty pages.", "NONE"),
    ("Officials travelled to the capital by train.", "NONE"),
]


def write_article(seeds_dir: Path, article_id: str, sentences: list[tuple[str, str]]) -> Path:
    """Write a complete article folder: text, meta, segmented sentences and labels."""
    article_dir = seeds_dir / "articles" / article_id
    article_dir.mkdir(parents=True)
    text = "Toy headline about Russia\n\n" + " ".join(s for s, _ in sentences) + "\n"
    (article_dir / seeds.ARTICLE_FILE).write_text(text, encoding="utf-8")
    meta = {
        "title": "Toy headline about Russia",
        "source_file": f"{article_id}.txt",
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "target": "US–Russia cooperation",
    }
    (article_dir / seeds.META_FILE).write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    rows = seeds.segment_article(article_dir)
    seeds.write_jsonl(article_dir / seeds.SENTENCES_FILE, rows)
    gold = dict(sentences)
    labels = [
        {"id": row["id"], "label": gold.get(row["text"], "NONE"), "rationale": "toy fixture label"} for row in rows
    ]
    seeds.write_jsonl(article_dir / seeds.LABELS_FILE, labels)
    return article_dir


def write_set(seeds_dir: Path, name: str, kind: str, items: list[dict]) -> Path:
    """Write a labelled set folder: meta.yaml and items.jsonl."""
    folder = seeds_dir / "sets" / name
    folder.mkdir(parents=True)
    meta = {
        "kind": kind,
        "target": "US–Russia cooperation",
        "written_by": "test fixture",
        "date": "2026-11-26",
        "guidelines_version": 2,
        "description": "toy set",
    }
    (folder / "meta.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    seeds.write_jsonl(folder / "items.jsonl", items)
    return folder


def contrast_items(article_id: str = "toy-article") -> list[dict]:
    """Two edits of each of the toy article's units 2 and 5 (a FAVOR and an AGAINST unit)."""
    edits = [
        ("s02", "flip", "AGAINST", "We strongly oppose cooperation with Russia against terrorism."),
        ("s02", "neutral", "NONE", "We discussed Russia and terrorism at lunch."),
        ("s05", "flip", "FAVOR", "Russia is a valuable partner and can be trusted."),
        ("s05", "keep", "AGAINST", "Moscow is a menace and no partner at all."),
    ]
    return [
        {"id": f"contrast.{unit}.{edit}", "text": text, "label": label, "rationale": "toy rule",
         "tags": ["decision"], "source_id": f"{article_id}.{unit}", "edit": edit}
        for unit, edit, label, text in edits
    ]  # fmt: skip


def constructed_items(n: int = 6) -> list[dict]:
    texts = [
        ("Washington and Moscow should work together on the station.", "FAVOR"),
        ("The Kremlin cannot be trusted with any joint program.", "AGAINST"),
        ("The joint talks were held on Tuesday in Geneva.", "NONE"),
        ("Both sides agreed to extend the treaty.", "FAVOR"),
        ("The senator said a partnership with Russia would be a mistake.", "AGAINST"),
        ("The cooperation agenda lists fisheries and shipping.", "NONE"),
    ]
    return [
        {"id": f"constructed.x{i:03d}", "text": text, "label": label, "rationale": "toy rule",
         "tags": ["topic_none" if label == "NONE" else "indirect"], "topic": "toy"}
        for i, (text, label) in enumerate(texts[:n], 1)
    ]  # fmt: skip


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A seeds folder with one toy article: 10 sentences (headline + 3 per class)."""
    root = tmp_path / "seeds"
    write_article(root, "toy-article", TOY_SENTENCES)
    return root


@pytest.fixture
def with_sets(seeds_dir: Path) -> Path:
    """The toy seeds with a contrast set (4 edits) and a constructed set (6 sentences): 20 items."""
    write_set(seeds_dir, "contrast", "contrast", contrast_items())
    write_set(seeds_dir, "constructed", "constructed", constructed_items())
    return seeds_dir


def train_and_score(config: Path, run_dir: Path, *extra: str) -> int:
    """`stance train` then `stance evaluate`, as `make evaluate` chains them; the exit code."""
    from stance.cli import main

    code = main(["train", "--config", str(config), "--out", str(run_dir), *extra])
    return code or main(["evaluate", "--run", str(run_dir)])


@pytest.fixture
def write_config(tmp_path: Path, seeds_dir: Path):
    """Write a config YAML into tmp_path and return its path."""

    def write(name: str = "toy", **sections) -> Path:
        raw = {
            "seed": 7,
            "data": {"seeds_dir": str(seeds_dir)},
            "protocol": {"type": "loo"},
            "model": {"type": "tfidf"},
        }
        raw.update(sections)
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(raw), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT (hidden size 32) with a word-piece vocabulary
    written here, so the real transformer, setfit and embeddings code paths run offline
    in seconds."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny-bert")
    words = {w.strip(".,?!'’“”").lower() for text, _ in TOY_SENTENCES for w in text.split()}
    words |= {"russia", "moscow", "cooperation", "support", "oppose", "threat", "the", "a", "is", "we", "to"}
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *".,?!'’“”-", *letters, *(f"##{c}" for c in letters)]
    vocab += sorted(words - set(vocab))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    BertTokenizer(vocab_file=str(folder / "vocab.txt"), do_lower_case=True).save_pretrained(folder)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(folder)
    return folder


@pytest.fixture
def small_disk(tmp_path: Path):
    """`fill(keep=...)` a folder on a tmpfs of its own (8 MiB) so that writes to it run out
    of space: a real ENOSPC, as on a full disk. Needs root, to mount; skipped otherwise."""
    import subprocess

    mount = tmp_path / "small-disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")

    def fill(keep: int = 0) -> None:
        """Take every free byte but `keep` (tmpfs counts whole pages)."""
        free = os.statvfs(mount)
        with open(mount / "filler", "wb") as filler:
            filler.write(b"\0" * max(0, free.f_bavail * free.f_frsize - keep))

    try:
        yield mount, fill
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@contextmanager
def running_server(command: list[str], log_path: Path, env: dict | None = None):
    """A real server (`mlflow ui`, Label Studio) in a process group of its own, its output in
    `log_path`; stopped by its pid's group, pass or fail: SIGTERM, then SIGKILL after 15 s."""
    import signal
    import subprocess

    with log_path.open("w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            yield server
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def wait_for(server, probe, limit_seconds: float, log_path: Path):
    """(probe's first answer, seconds it took): `probe()` is retried while it raises OSError
    (nothing listens yet), within `limit_seconds`, and while the server is alive."""
    import time

    started = time.monotonic()
    while True:
        assert server.poll() is None, log_path.read_text()[-3000:]
        waited = time.monotonic() - started
        assert waited < limit_seconds, f"{server.args[0]} did not answer within {limit_seconds} s"
        try:
            return probe(), waited
        except OSError:
            time.sleep(0.5)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
