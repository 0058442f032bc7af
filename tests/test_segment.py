import json

import pytest
from conftest import REPO

from stance.data import seeds
from stance.data.seeds import segment_article
from stance.data.segment import segment

ARTICLE_DIR = REPO / "seeds" / "articles" / "trump-russia-isis-2017"


def texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in segment(text)]


def test_abbreviations_do_not_split_sentences():
    text = (
        "Trump's new national security advisor Army Lt. Gen. H.R. McMaster is also a known Russia skeptic. "
        "The U.S. sent a contingent of U.S. Marines to Syria. It was new."
    )
    assert texts(text) == [
        "Trump's new national security advisor Army Lt. Gen. H.R. McMaster is also a known Russia skeptic.",
        "The U.S. sent a contingent of U.S. Marines to Syria.",
        "It was new.",
    ]


def test_multi_sentence_quotation_is_one_unit_with_its_attribution():
    text = "“We will fight. They will lose. Nobody doubts it,” the general said. Then he left."
    assert texts(text) == ["“We will fight. They will lose. Nobody doubts it,” the general said.", "Then he left."]


def test_paragraph_breaks_always_end_a_sentence():
    assert texts("A headline without a stop\n\nThe body starts here.") == [
        "A headline without a stop",
        "The body starts here.",
    ]


def test_offsets_index_the_original_text_exactly():
    text = "  First one.   Second one?\n\n\tThird one!  "
    assert texts(text) == ["First one.", "Second one?", "Third one!"]


def test_resegmenting_the_article_reproduces_the_stored_sentences():
    stored = [
        json.loads(line) for line in (ARTICLE_DIR / seeds.SENTENCES_FILE).read_text(encoding="utf-8").splitlines()
    ]
    assert segment_article(ARTICLE_DIR) == stored


def test_the_article_matches_the_sha256_in_its_meta():
    meta = seeds.read_meta(ARTICLE_DIR)
    assert seeds.sha256_of(ARTICLE_DIR / seeds.ARTICLE_FILE) == meta["sha256"]


SOURCE = REPO.parent / "shared" / "seeds" / seeds.read_meta(ARTICLE_DIR)["source_file"]


@pytest.mark.skipif(
    not SOURCE.is_file(), reason=f"the received source file is not at {SOURCE} (../shared sits beside the project)"
)
def test_the_article_is_the_source_file_byte_for_byte():
    assert SOURCE.read_bytes() == (ARTICLE_DIR / seeds.ARTICLE_FILE).read_bytes()
