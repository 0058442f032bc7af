"""Labelling: the order strategies give, the unlabelled pool, suggestions from a real run,
the Label Studio files both ways, adjudication, and the active-learning simulation."""

import json
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import REPO, train_and_score

from stance.cli import main
from stance.data import seeds
from stance.errors import DataError
from stance.labelling import labelstudio, strategies
from stance.labelling.pool import read_pool
from stance.labels import LABELS

PROBA = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.5, 0.5, 0.0], [0.34, 0.33, 0.33]])


def test_uncertainty_strategies_put_the_least_sure_items_first():
    assert list(strategies.order("least_confidence", PROBA, 0)) == [3, 1, 2, 0]
    assert list(strategies.order("margin", PROBA, 0)) == [2, 3, 1, 0]  # a tie at the top first
    assert list(strategies.order("entropy", PROBA, 0)) == [3, 1, 2, 0]


def test_random_order_is_a_reproducible_permutation_that_depends_on_the_seed():
    orders = [tuple(strategies.order("random", np.ones((50, 3)) / 3, seed)) for seed in (1, 1, 2)]
    assert sorted(orders[0]) == list(range(50)) and orders[0] == orders[1] != orders[2]


def test_diversity_takes_one_item_from_each_cluster_before_a_second_from_any():
    # Two tight clusters; the three most uncertain items are all in the first.
    vectors = np.array([[1, 0], [1, 0.01], [1, 0.02], [0, 1], [0.01, 1]], dtype=float)
    proba = np.array([[0.34, 0.33, 0.33], [0.4, 0.3, 0.3], [0.45, 0.3, 0.25], [0.6, 0.2, 0.2], [0.9, 0.05, 0.05]])
    ranked = strategies.order("diversity", proba, seed=0, vectors=vectors, batch=2)
    assert list(ranked[:2]) == [0, 3]  # the most uncertain of each cluster
    assert sorted(ranked) == list(range(5))
    assert list(strategies.order("entropy", proba, 0)[:2]) == [0, 1]  # what uncertainty alone would take


def test_the_pool_reads_an_article_less_its_labels_a_txt_and_a_jsonl(seeds_dir, tmp_path):
    article = seeds_dir / "articles" / "toy-article"
    with pytest.raises(DataError, match="no unlabelled items"):
        read_pool(article)  # every sentence is labelled
    (article / seeds.LABELS_FILE).unlink()
    assert [item.id for item in read_pool(article)][:2] == ["toy-article.s01", "toy-article.s02"]
    txt = tmp_path / "new.txt"
    txt.write_text("First sentence.\n\n Second one. \n", encoding="utf-8")
    assert [(i.id, i.text) for i in read_pool(txt)] == [("new.l0001", "First sentence."), ("new.l0003", "Second one.")]
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"id": "a", "text": "One."}\n{"text": "Two."}\n', encoding="utf-8")
    assert [i.id for i in read_pool(rows)] == ["a", "rows.l0002"]


@pytest.mark.parametrize(
    "name, content, problem",
    [
        ("dup.jsonl", '{"id": "a", "text": "x"}\n{"id": "a", "text": "y"}\n', "the id 'a' names two items"),
        ("bad.jsonl", '{"id": "a", "text": "x"}\n{not json\n', "bad.jsonl:2: malformed JSON"),
        ("empty.txt", "\n\n", "no unlabelled items"),
        ("notext.jsonl", '{"id": "a"}\n', 'notext.jsonl:1: expected an object with a non-empty "text"'),
    ],
)
def test_a_bad_pool_is_one_error_line(tmp_path, name, content, problem, capsys):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code = main(["label", "suggest", "--run", str(tmp_path / "no-run"), "--input", str(path)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and problem in err, err


@pytest.fixture
def trained(write_config, tmp_path):
    run_dir = tmp_path / "experiments" / "toy"
    assert train_and_score(write_config(), run_dir) == 0
    return run_dir


def suggest_to(trained, tmp_path, *extra):
    pool = tmp_path / "new.txt"
    pool.write_text("Russia and the US agreed to work together.\nThe weather was fine.\nNo deal with Moscow.\n")
    out = tmp_path / "suggestions.jsonl"
    args = ["label", "suggest", "--run", str(trained), "--input", str(pool), "--out", str(out), *extra]
    assert main(args) == 0
    return out, [json.loads(line) for line in out.read_text().splitlines()]


def test_suggest_orders_a_runs_guesses_least_confident_first(trained, tmp_path):
    _, rows = suggest_to(trained, tmp_path, "--strategy", "least_confidence", "--n", "2")
    assert [r["rank"] for r in rows] == [1, 2] and len({r["id"] for r in rows}) == 2
    assert rows[0]["score"] <= rows[1]["score"]  # least confident first
    _, everything = suggest_to(trained, tmp_path, "--strategy", "least_confidence")
    assert max(r["score"] for r in rows) <= min(r["score"] for r in everything[2:])
    assert all(r["predicted"] == max(r["probabilities"], key=r["probabilities"].get) for r in everything)


def test_export_writes_tasks_in_order_with_the_runs_guess_and_a_config_with_the_guidelines_hints(trained, tmp_path):
    suggestions, rows = suggest_to(trained, tmp_path, "--strategy", "entropy")
    out = tmp_path / "ls"
    guidelines = REPO / "seeds" / "GUIDELINES.md"
    assert (
        main(["label", "export", "--suggestions", str(suggestions), "--out", str(out), "--guidelines", str(guidelines)])
        == 0
    )
    tasks = json.loads((out / "tasks.json").read_text())
    assert [t["data"]["id"] for t in tasks] == [r["id"] for r in rows]
    (prediction,) = tasks[0]["predictions"]
    assert prediction["model_version"] == "toy" and prediction["score"] == rows[0]["score"]
    assert prediction["result"][0]["value"]["choices"] == [rows[0]["predicted"]]
    view = ET.fromstring((out / "labelling_config.xml").read_text())
    choices = view.find("Choices")
    assert choices.get("choice") == "single-radio" and choices.get("required") == "true"
    hints = labelstudio.definitions(guidelines)
    assert {c.get("value"): c.get("hint") for c in choices.findall("Choice")} == hints
    assert hints["NONE"].startswith("takes no position on the target")


def annotation(choice, rationale="Rule 1: test", user=1, cancelled=False):
    result = (
        []
        if choice is None
        else [
            {
                "from_name": "stance",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [choice] if isinstance(choice, str) else choice},
            }
        ]
    )
    if rationale:
        result.append({"from_name": "rationale", "to_name": "text", "type": "textarea", "value": {"text": [rationale]}})
    return {"completed_by": user, "was_cancelled": cancelled, "result": result}


def export_of(article, labels_by_user, cancelled=0):
    ids = [r.fields["id"] for r in seeds.read_jsonl(article / seeds.SENTENCES_FILE, seeds.SENTENCE_KEYS)]
    tasks = []
    for n, item_id in enumerate(ids, 1):
        annotations = [
            annotation(labels[item_id], user=user) for user, labels in labels_by_user.items() if item_id in labels
        ]
        if n <= cancelled:
            annotations.append(annotation(None, rationale="", user=3, cancelled=True))
        tasks.append({"id": 100 + n, "data": {"id": item_id, "text": "..."}, "annotations": annotations})
    return tasks


@pytest.fixture
def unlabelled(seeds_dir):
    """The toy article with its gold labels and annotations moved aside: as after stance segment."""
    article = seeds_dir / "articles" / "toy-article"
    gold = {r.fields["id"]: r.fields["label"] for r in seeds.read_jsonl(article / seeds.LABELS_FILE, seeds.LABEL_KEYS)}
    (article / seeds.LABELS_FILE).unlink()
    shutil.rmtree(article / seeds.ANNOTATIONS_DIR, ignore_errors=True)
    return article, gold


def test_import_writes_one_file_per_annotator_and_agreement_reads_them(unlabelled, tmp_path, capsys):
    article, gold = unlabelled
    second = dict(gold)
    first_id = next(iter(second))
    second[first_id] = next(label for label in LABELS if label != gold[first_id])  # one disagreement
    export = tmp_path / "export.json"
    export.write_text(json.dumps(export_of(article, {1: gold, 2: second}, cancelled=2)))
    assert main(["label", "import", str(export), "--into", str(article), "--user", "1=alice", "--user", "2=bob"]) == 0
    out = capsys.readouterr().out
    assert "left out 2 skipped or cancelled" in out
    alice = [json.loads(line) for line in (article / "annotations" / "alice.jsonl").read_text().splitlines()]
    assert {r["id"]: r["label"] for r in alice} == gold and all(r["rationale"] == "Rule 1: test" for r in alice)
    assert main(["agreement", "--seeds", str(article.parent.parent)]) == 0
    report = capsys.readouterr().out
    assert "alice" in report and "bob" in report


@pytest.mark.parametrize(
    "tamper, problem",
    [
        (
            lambda tasks: tasks[0]["annotations"][0]["result"][0]["value"].update(choices=["MAYBE"]),
            "task 101, annotation by alice: unknown choice 'MAYBE'",
        ),
        (lambda tasks: tasks[1]["data"].update(id="nobody.s99"), "task 102: id 'nobody.s99' names no item"),
        (lambda tasks: tasks[2]["annotations"].append(tasks[2]["annotations"][0]), "task 103: two labels on item"),
        (
            lambda tasks: tasks[0]["annotations"][0]["result"][0]["value"].update(choices=["FAVOR", "NONE"]),
            "2 labels (FAVOR, NONE) on one item",
        ),
        (lambda tasks: tasks[0]["annotations"][0]["result"].pop(1), "no rationale"),
        (lambda tasks: tasks.clear(), "the export has no tasks"),
        (
            lambda tasks: [t.update(annotations=[annotation(None, "", cancelled=True)]) for t in tasks],
            "no annotations to import (10 skipped",
        ),
    ],
)
def test_a_bad_export_is_one_line_naming_the_task_and_writes_nothing(unlabelled, tmp_path, capsys, tamper, problem):
    article, gold = unlabelled
    tasks = export_of(article, {1: gold})
    tamper(tasks)
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks))
    assert main(["label", "import", str(export), "--into", str(article), "--user", "1=alice"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and problem in err, err
    assert not (article / "annotations").exists()


def test_adjudicate_writes_gold_only_once_every_disagreement_is_decided(unlabelled, capsys):
    article, gold = unlabelled
    folder = article / "annotations"
    folder.mkdir()
    first_id = next(iter(gold))
    other = next(label for label in LABELS if label != gold[first_id])
    for name, labels in (("alice", gold), ("bob", {**gold, first_id: other})):
        rows = [{"id": i, "label": label, "rationale": "Rule 1: test"} for i, label in labels.items()]
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["label", "adjudicate", str(article)]) == 2
    err = capsys.readouterr().err
    assert f"{first_id}: alice {gold[first_id]}, bob {other}" in err and not (article / seeds.LABELS_FILE).exists()
    decision = {"id": first_id, "label": gold[first_id], "rationale": "Rule 2: adjudicated"}
    (folder / "adjudicator.jsonl").write_text(json.dumps(decision) + "\n")
    assert main(["label", "adjudicate", str(article)]) == 0
    written = {r.fields["id"]: r.fields for r in seeds.read_jsonl(article / seeds.LABELS_FILE, seeds.LABEL_KEYS)}
    assert {i: r["label"] for i, r in written.items()} == gold and written[first_id][
        "rationale"
    ] == "Rule 2: adjudicated"
    assert main(["label", "adjudicate", str(article)]) == 2  # labels.jsonl exists: never rewritten
    assert "never rewritten" in capsys.readouterr().err


def test_the_simulation_starts_every_strategy_from_one_seed_set_and_reports_each(write_config, with_sets, tmp_path):
    import yaml

    configs = tmp_path / "configs"
    configs.mkdir()
    data = {"seeds_dir": str(with_sets), "sets": ["constructed", "contrast"]}
    write_config(name="toy_tfidf", data=data)
    shutil.move(tmp_path / "toy_tfidf.yaml", configs / "toy_tfidf.yaml")
    sim = {
        "runs": ["toy_tfidf"],
        "strategies": ["entropy", "random"],
        "seed_size": 6,
        "batch": 2,
        "budget": 10,
        "seeds": 3,
    }
    (configs / "sim.yaml").write_text(yaml.safe_dump(sim))
    from stance.labelling.simulation import load_simulation, simulate
    from stance.report.active_learning import render, summary

    config = load_simulation(configs / "sim.yaml")
    points = simulate(config, configs)
    for seed in range(3):
        mine = {s: [p for p in points if p.seed == seed and p.strategy == s] for s in ("entropy", "random")}
        assert [p.n_labels for p in mine["entropy"]] == [6, 8, 10] == [p.n_labels for p in mine["random"]]
        assert mine["entropy"][0].macro_f1 == mine["random"][0].macro_f1  # the same seed set
    rows = summary(points, config)
    assert {r["strategy"] for r in rows} == {"entropy", "random"}
    text = render(points, config, "stance label simulate --config sim.yaml")
    assert "| toy_tfidf | entropy |" in text and "random" in text.split("\n")[2]


def test_import_into_a_labelled_set_writes_its_annotations_for_agreement(with_sets, tmp_path, capsys):
    folder = with_sets / "sets" / "constructed"
    items = [json.loads(line) for line in (folder / "items.jsonl").read_text().splitlines()]
    tasks = [
        {"id": n, "data": {"id": item["id"], "text": item["text"]}, "annotations": [annotation(item["label"], user=7)]}
        for n, item in enumerate(items, 1)
    ]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks))
    shutil.rmtree(folder / "annotations", ignore_errors=True)
    assert main(["label", "import", str(export), "--into", str(folder), "--user", "7=carol"]) == 0
    written = [json.loads(line) for line in (folder / "annotations" / "carol.jsonl").read_text().splitlines()]
    assert [r["id"] for r in written] == [item["id"] for item in items]
    assert main(["agreement", "--seeds", str(with_sets)]) == 0
    assert "constructed: 1 annotator(s)" in capsys.readouterr().out
