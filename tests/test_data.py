import json
import re

import pytest
from conftest import REPO, TOY_SENTENCES, write_article

from stance.config import SeedsDataConfig
from stance.data import SeedsSource, seeds
from stance.errors import DataError
from stance.labels import LABELS


def load_dataset(seeds_dir):
    return SeedsSource(SeedsDataConfig(seeds_dir=seeds_dir)).load()


def rewrite_jsonl(path, edit):
    """Apply `edit(rows)` to a JSONL file's parsed rows and write them back."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    edit(rows)
    seeds.write_jsonl(path, rows)


def labels_path(seeds_dir):
    return seeds_dir / "articles" / "toy-article" / seeds.LABELS_FILE


def sentences_path(seeds_dir):
    return seeds_dir / "articles" / "toy-article" / seeds.SENTENCES_FILE


def test_the_real_seeds_load_with_every_sentence_labelled():
    data = load_dataset(REPO / "seeds")
    assert len(data) == 15
    assert set(data.label) == set(LABELS)
    assert all(r.strip() for r in data.rationale)
    assert set(data.target) == {"US–Russia cooperation"} and set(data.split) == {"train"}


def test_toy_seeds_load_with_the_article_as_group(seeds_dir):
    data = load_dataset(seeds_dir)
    assert len(data) == len(TOY_SENTENCES) + 1  # plus the headline
    assert data.id[1] == "toy-article.s02" and data.text[1] == TOY_SENTENCES[0][0] and data.label[1] == "FAVOR"
    assert set(data.group) == {"toy-article"} and data.rationale[1] == "toy fixture label"


def test_unknown_label_names_file_line_and_label(seeds_dir):
    rewrite_jsonl(labels_path(seeds_dir), lambda rows: rows[2].update(label="FAVOUR"))
    with pytest.raises(DataError, match=re.escape(f"{labels_path(seeds_dir)}:3: unknown label 'FAVOUR'")):
        load_dataset(seeds_dir)


def test_empty_text_is_rejected(seeds_dir):
    rewrite_jsonl(sentences_path(seeds_dir), lambda rows: rows[1].update(text="  "))
    with pytest.raises(DataError, match=re.escape(f"{sentences_path(seeds_dir)}:2: empty text")):
        load_dataset(seeds_dir)


def test_duplicate_sentence_id_is_rejected(seeds_dir):
    rewrite_jsonl(sentences_path(seeds_dir), lambda rows: rows[3].update(id=rows[0]["id"]))
    with pytest.raises(DataError, match=re.escape(f"{sentences_path(seeds_dir)}:4: duplicate sentence id")):
        load_dataset(seeds_dir)


def test_duplicate_id_across_articles_is_rejected(seeds_dir):
    second = write_article(seeds_dir, "toy-article-2", TOY_SENTENCES[:3])
    rewrite_jsonl(second / seeds.SENTENCES_FILE, lambda rows: rows[0].update(id="toy-article.s01"))
    with pytest.raises(DataError, match="duplicate sentence id 'toy-article.s01'"):
        load_dataset(seeds_dir)


def test_offsets_that_do_not_match_the_article_are_rejected(seeds_dir):
    rewrite_jsonl(sentences_path(seeds_dir), lambda rows: rows[4].update(start=rows[4]["start"] + 1))
    with pytest.raises(DataError, match=re.escape(f"{sentences_path(seeds_dir)}:5: offsets")):
        load_dataset(seeds_dir)


def test_sentence_without_label_is_rejected(seeds_dir):
    rewrite_jsonl(labels_path(seeds_dir), lambda rows: rows.pop(5))
    with pytest.raises(
        DataError, match=re.escape(f"{sentences_path(seeds_dir)}:6: sentence 'toy-article.s06' has no label")
    ):
        load_dataset(seeds_dir)


def test_malformed_line_is_rejected(seeds_dir):
    path = labels_path(seeds_dir)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6][:-3]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=re.escape(f"{path}:7: malformed JSON")):
        load_dataset(seeds_dir)


def test_misspelled_field_is_rejected(seeds_dir):
    rewrite_jsonl(labels_path(seeds_dir), lambda rows: rows[0].update(lable=rows[0].pop("label")))
    with pytest.raises(DataError, match=re.escape(f"{labels_path(seeds_dir)}:1: expected keys")):
        load_dataset(seeds_dir)


def test_label_for_an_unknown_sentence_is_rejected(seeds_dir):
    rewrite_jsonl(labels_path(seeds_dir), lambda rows: rows[0].update(id="toy-article.s99"))
    with pytest.raises(DataError, match="label for unknown sentence id 'toy-article.s99'"):
        load_dataset(seeds_dir)


def test_edited_article_text_is_rejected(seeds_dir):
    article = seeds_dir / "articles" / "toy-article" / seeds.ARTICLE_FILE
    article.write_text(article.read_text(encoding="utf-8") + "More.", encoding="utf-8")
    with pytest.raises(DataError, match="sha256 differs"):
        load_dataset(seeds_dir)


def test_a_second_article_is_picked_up_without_code_changes(seeds_dir):
    write_article(seeds_dir, "toy-article-2", TOY_SENTENCES[:4])
    data = load_dataset(seeds_dir)
    assert sorted(set(data.group)) == ["toy-article", "toy-article-2"]
    assert len(data) == len(TOY_SENTENCES) + 1 + 4 + 1


def test_hidden_folders_are_not_articles(seeds_dir):
    (seeds_dir / "articles" / ".ipynb_checkpoints").mkdir()
    assert sorted(set(load_dataset(seeds_dir).group)) == ["toy-article"]


def test_the_fingerprint_changes_when_a_label_changes(seeds_dir):
    source = SeedsSource(SeedsDataConfig(seeds_dir=seeds_dir))
    before = source.fingerprint()
    rewrite_jsonl(labels_path(seeds_dir), lambda rows: rows[0].update(label="FAVOR"))
    assert source.fingerprint() != before
