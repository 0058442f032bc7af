"""Labelled sets beside the articles: validation with one-line errors, and loading as a source."""

import re

import pytest
from conftest import REPO, constructed_items, contrast_items, write_set

from stance.config import SeedsDataConfig
from stance.data import SeedsSource
from stance.errors import DataError


def load(seeds_dir, *sets):
    return SeedsSource(SeedsDataConfig(seeds_dir=seeds_dir, sets=sets)).load()


def test_sets_load_beside_the_articles_with_source_family_and_tags(seeds_dir):
    write_set(seeds_dir, "contrast", "contrast", contrast_items())
    write_set(seeds_dir, "constructed", "constructed", constructed_items())
    examples = load(seeds_dir, "contrast", "constructed")
    assert len(examples) == 10 + 4 + 6
    assert list(examples.source).count("article") == 10 and list(examples.source).count("contrast") == 4
    edit = list(examples.id).index("contrast.s02.flip")
    assert examples.family[edit] == "toy-article.s02" and examples.tags[edit] == ("decision",)
    assert examples.family[-1] == examples.id[-1] and examples.group[-1] == "constructed"


def test_only_the_named_sets_are_loaded(seeds_dir):
    write_set(seeds_dir, "contrast", "contrast", contrast_items())
    assert set(load(seeds_dir).source) == {"article"}


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda items: items[1].update(label="MAYBE"), r"items.jsonl:2: unknown label 'MAYBE'"),
        (lambda items: items[1].update(tags=["sarcasm"]), r"items.jsonl:2: unknown tag 'sarcasm'"),
        (
            lambda items: items[1].update(source_id="toy-article.s99"),
            r"items.jsonl:2: source_id 'toy-article.s99' names no article unit",
        ),
        (lambda items: items[2].update(id=items[0]["id"]), r"items.jsonl:3: duplicate id 'contrast.s02.flip'"),
        (lambda items: items[1].update(text="  "), r"items.jsonl:2: empty text"),
        (
            lambda items: items[3].update(text=items[0]["text"]),
            r"items.jsonl:4: text of 'contrast.s05.keep' is identical to contrast.s02.flip",
        ),
        (
            lambda items: items[0].update(text="Officials praised the joint effort with Russia."),
            r"items.jsonl:1: text of 'contrast.s02.flip' is identical to toy-article.s04",
        ),
        (lambda items: items[0].pop("edit"), r"items.jsonl:1: expected keys"),
    ],
    ids=[
        "label",
        "tag",
        "source_id",
        "duplicate id",
        "empty text",
        "same text as an item",
        "same text as a unit",
        "missing key",
    ],
)
def test_a_bad_item_is_one_error_naming_file_and_line(seeds_dir, damage, message):
    items = contrast_items()
    damage(items)
    write_set(seeds_dir, "contrast", "contrast", items)
    with pytest.raises(DataError, match=message) as err:
        load(seeds_dir, "contrast")
    assert "\n" not in str(err.value)


def test_a_set_that_does_not_exist_is_named(seeds_dir):
    with pytest.raises(DataError, match=re.escape(f"{seeds_dir / 'sets' / 'nope'}: no such labelled set")):
        load(seeds_dir, "nope")


def test_adding_a_set_is_a_data_only_change(seeds_dir, write_config, tmp_path):
    """A new set folder and its name in a config: trained on, scored per source, no code change."""
    from stance.cli import main
    from stance.runs import Run

    write_set(seeds_dir, "extra", "constructed", constructed_items())
    config = write_config(
        data={"seeds_dir": str(seeds_dir), "sets": ["extra"]},
        protocol={"type": "cross_set", "train_sources": ["article"], "test_sources": ["extra"]},
    )
    run = tmp_path / "run"
    assert main(["train", "--config", str(config), "--out", str(run)]) == 0
    assert main(["evaluate", "--run", str(run)]) == 0
    assert set(Run.open(run).metrics.per_source) == {"extra"}
    assert Run.open(run).metrics.n_items == 6


def test_the_repository_sets_validate():
    examples = load(REPO / "seeds", "contrast", "constructed")
    edits = [i for i, s in enumerate(examples.source) if s == "contrast"]
    assert len(edits) >= 45
    assert set(examples.family[edits]) == set(examples.id[examples.source == "article"])  # every unit has edits


def test_the_constructed_set_meets_its_brief():
    examples = load(REPO / "seeds", "constructed")
    constructed = examples.source == "constructed"
    labels = list(examples.label[constructed])
    assert constructed.sum() >= 360 and min(labels.count(label) for label in ("FAVOR", "AGAINST", "NONE")) >= 110
    tags = [tag for item_tags in examples.tags[constructed] for tag in item_tags]
    from stance.labels import TAGS

    assert min(tags.count(tag) for tag in TAGS) >= 20
