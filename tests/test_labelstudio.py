"""A real Label Studio on localhost: our labelling config and tasks go in through its SDK,
two annotators label, and its JSON export comes back through `stance label import` into
files `stance agreement` reads. Label Studio runs from its own environment
(.venv-labelstudio, `make labelstudio`): its pins would downgrade numpy in the project's."""

import json
import os
import secrets
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO, free_port, running_server, train_and_score, wait_for

from stance.cli import main
from stance.data import seeds
from stance.labels import LABELS

LABEL_STUDIO_BIN = Path(os.environ.get("STANCE_LABEL_STUDIO_BIN", REPO / ".venv-labelstudio" / "bin"))
START_LIMIT_SECONDS = 180


@pytest.fixture
def label_studio(tmp_path):
    """(url, token of the first user): a Label Studio server started for this test, in a
    temporary data folder, stopped by its pid (and its process group) pass or fail."""
    if not (LABEL_STUDIO_BIN / "label-studio").is_file():
        pytest.skip(f"no Label Studio in {LABEL_STUDIO_BIN}: make labelstudio installs it")
    port, data, token = free_port(), tmp_path / "label-studio", secrets.token_hex(20)
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(data),
        "LATEST_VERSION_CHECK": "false",  # it would ask pypi.org for a newer version
    }
    command = [
        str(LABEL_STUDIO_BIN / "label-studio"), "start", "--no-browser", "--data-dir", str(data),
        "--internal-host", "127.0.0.1", "--port", str(port),
        "--username", "alice@example.org", "--password", secrets.token_hex(8),
        "--user-token", token, "--enable-legacy-api-token",
    ]  # fmt: skip
    url, log = f"http://127.0.0.1:{port}", tmp_path / "label-studio.log"

    def healthy():
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return response.status

    with running_server(command, log, env) as server:
        _, waited = wait_for(server, healthy, START_LIMIT_SECONDS, log)
        print(f"Label Studio answered after {waited:.1f} s")
        yield url, token


@pytest.mark.slow
def test_a_labelling_round_trip_through_a_real_label_studio(label_studio, write_config, seeds_dir, tmp_path, capsys):
    url, token = label_studio
    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(write_config(), run_dir) == 0
    # The article to label: the toy article's sentences, its labels and annotations set aside.
    article = tmp_path / "new-seeds" / "articles" / "toy-article"
    shutil.copytree(seeds_dir / "articles" / "toy-article", article)
    gold = {r.fields["id"]: r.fields["label"] for r in seeds.read_jsonl(article / seeds.LABELS_FILE, seeds.LABEL_KEYS)}
    (article / seeds.LABELS_FILE).unlink()
    shutil.rmtree(article / seeds.ANNOTATIONS_DIR, ignore_errors=True)

    suggestions, exported = tmp_path / "suggestions.jsonl", tmp_path / "label-studio-files"
    assert main(["label", "suggest", "--run", str(run_dir), "--input", str(article), "--strategy", "margin",
                 "--out", str(suggestions)]) == 0  # fmt: skip
    assert main(["label", "export", "--suggestions", str(suggestions), "--out", str(exported),
                 "--guidelines", str(REPO / "seeds" / "GUIDELINES.md")]) == 0  # fmt: skip

    first = next(iter(gold))
    other = next(label for label in LABELS if label != gold[first])
    labels = {
        "alice@example.org": {i: [label, "Rule 1: the team's test label"] for i, label in gold.items()},
        "bob@example.org": {
            i: [other if i == first else label, "Rule 1: a second reading"] for i, label in gold.items()
        },
    }
    plan = tmp_path / "plan.json"
    export = tmp_path / "export.json"
    files = {"config": exported / "labelling_config.xml", "tasks": exported / "tasks.json", "export": export}
    plan.write_text(json.dumps({"url": url, "token": token, "labels": labels, **{k: str(v) for k, v in files.items()}}))
    driver = subprocess.run(
        [str(LABEL_STUDIO_BIN / "python"), str(REPO / "tests" / "labelstudio" / "drive.py"), str(plan)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert driver.returncode == 0, driver.stderr[-3000:]
    driven = json.loads(driver.stdout.strip().splitlines()[-1])
    users = driven["users"]
    tasks = json.loads(export.read_text())
    assert [t["data"]["id"] for t in tasks] == [json.loads(line)["id"] for line in suggestions.read_text().splitlines()]
    assert driven["first_task_predictions"] == ["toy"]  # the run's guess went in as a pre-annotation

    names = [f"--user={users[email]}={email.split('@')[0]}" for email in labels]
    capsys.readouterr()
    assert main(["label", "import", str(export), "--into", str(article), *names]) == 0
    for name in ("alice", "bob"):
        rows = [json.loads(line) for line in (article / "annotations" / f"{name}.jsonl").read_text().splitlines()]
        assert {r["id"]: r["label"] for r in rows} == {i: v[0] for i, v in labels[f"{name}@example.org"].items()}
    assert main(["agreement", "--seeds", str(article.parent.parent)]) == 0
    report = capsys.readouterr().out
    assert f"2 annotators (alice, bob), {len(gold)} shared sentences" in report, report
    assert "1 disagreements:" in report and first in report.split("1 disagreements:")[1]
