"""Split an article into sentences with character offsets into the original text.

Paragraphs (blank-line separated) are hard boundaries; inside a paragraph, pysbd finds
the sentences. pysbd does not split inside quotation marks, which is the rule this
project relies on: a quotation spanning several sentences is one unit, together with
the attribution clause that shares its sentence (see seeds/GUIDELINES.md).
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import pysbd

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Span:
    """A sentence as the half-open character range `[start, end)` of its article."""

    start: int
    end: int


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    # clean=False keeps the text byte-identical, so offsets point into the original.
    return pysbd.Segmenter(language="en", clean=False)


def _paragraphs(text: str) -> list[Span]:
    spans, start = [], 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.append(Span(start, match.start()))
        start = match.end()
    spans.append(Span(start, len(text)))
    return spans


def segment(text: str) -> list[Span]:
    """Return the sentence spans of `text`, stripped of surrounding whitespace."""
    spans = []
    for paragraph in _paragraphs(text):
        chunk = text[paragraph.start : paragraph.end]
        if not chunk.strip():
            continue
        cursor = 0
        for sentence in _segmenter().segment(chunk):
            sentence = sentence.strip()
            if not sentence:
                continue
            # pysbd returns the pieces in order, so searching forward from the previous
            # sentence always finds the right occurrence.
            offset = chunk.index(sentence, cursor)
            spans.append(Span(paragraph.start + offset, paragraph.start + offset + len(sentence)))
            cursor = offset + len(sentence)
    return spans
