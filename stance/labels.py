"""The label scheme, defined once: every module imports the names from here."""

FAVOR = "FAVOR"
AGAINST = "AGAINST"
NONE = "NONE"

# Order matters: it is the column order of every probability array and the row and
# column order of every confusion matrix.
LABELS: tuple[str, ...] = (FAVOR, AGAINST, NONE)

# SemEval-2016 Task 6 scores stance by the mean F1 of these two classes only.
POLAR_LABELS: tuple[str, ...] = (FAVOR, AGAINST)

LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))

# The phenomenon tags of the labelled sets (seeds/GUIDELINES.md, "Phenomenon tags"): which
# capability an item tests. The loader refuses any other tag.
TAGS: tuple[str, ...] = (
    "reported_speech",
    "decision",
    "negation",
    "hedged",
    "mixed",
    "threat",
    "indirect",
    "topic_none",
    "background",
    "argument",
)
