"""Text preprocessing that a model applies to every input, in training and in `stance predict`.

`tweet`: hashtags carry much of the stance in SemEval-2016 (`#HillaryForPrison`), and
CamelCase hides their words from a word-level vocabulary and from WordPiece. Each
hashtag is kept and followed by its words; user mentions and URLs, which name no
stance, become one placeholder each. On the SemEval dev split, per-target TF-IDF
logistic regression went from F_avg 69.78 to 70.85 with it (C = 1), and up at each of
the four C values tried (docs/benchmarks/semeval2016.md).
"""

import re
from collections.abc import Sequence

HASHTAG = re.compile(r"#(\w+)")
# Word boundaries inside a hashtag:
CAMEL_BOUNDARY = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])"
)
URL = re.compile(r"https?://\S+")
MENTION = re.compile(r"@\w+")


def tweet(text: str) -> str:
    """`#HillaryForPrison @cnn http://t.co/x` -> `#HillaryForPrison Hillary For Prison @user url`."""
    text = URL.sub("url", text)
    text = MENTION.sub("@user", text)
    return HASHTAG.sub(lambda m: f"{m.group(0)} {CAMEL_BOUNDARY.sub(' ', m.group(1))}", text)


def tweets(texts: Sequence[str]) -> list[str]:
    """`tweet` of each text; a module-level function, so a saved sklearn Pipeline can hold it."""
    return [tweet(text) for text in texts]


PREPROCESSORS = {"none": None, "tweet": tweets}


def preprocess(texts: Sequence[str], kind: str) -> list[str]:
    """`texts` after the config's `text_preprocessing`."""
    function = PREPROCESSORS[kind]
    return list(texts) if function is None else function(texts)
