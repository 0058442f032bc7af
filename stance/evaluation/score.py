"""Scoring: a run's saved predictions -> Metrics. Pure over the typed rows; nothing trains.

`stance evaluate` is the user's word for this stage.
"""

from collections import defaultdict
from collections.abc import Sequence

from stance.evaluation import metrics, stats
from stance.runs import (
    ChanceCheck,
    ChanceNull,
    ContrastScores,
    CurvePoint,
    CurveRow,
    Headline,
    Metrics,
    NullTest,
    PredictionRow,
    Run,
    TagScores,
)

CONTRAST_SOURCE = "contrast"  # the labelled set whose items are edits of article units

BOOTSTRAP_RESAMPLES = 1000
SHUFFLE_PERMUTATIONS = 10_000


def _scores(rows: Sequence[PredictionRow]) -> dict:
    return metrics.scores([r.gold for r in rows], [r.predicted for r in rows])


def _headline(rows: Sequence[PredictionRow]) -> dict[str, float]:
    scored = _scores(rows)
    return {m: scored[m] for m in metrics.HEADLINE_METRICS}


def item_counts(rows: Sequence[PredictionRow]) -> tuple[list[str], object]:
    """Item ids in first-seen order and their (n, 3, 3) confusion counts over repeats."""
    return stats.item_counts([r.id for r in rows], [r.gold for r in rows], [r.predicted for r in rows])


def confidence_intervals(rows: Sequence[PredictionRow], seed: int) -> dict[str, tuple[float, float]]:
    """95% percentile bootstrap over items (all repeats of an item move together)."""
    cis = stats.bootstrap_cis(item_counts(rows)[1], n_resamples=BOOTSTRAP_RESAMPLES, seed=seed)
    return {name: (ci.low, ci.high) for name, ci in cis.items()}


def chance_check(
    rows: Sequence[PredictionRow], observed: float, retrained: ChanceNull | None, seed: int
) -> ChanceCheck:
    """p-values of macro-F1 against two label-permutation nulls."""
    shuffle_null = stats.prediction_shuffle_null(item_counts(rows)[1], n_permutations=SHUFFLE_PERMUTATIONS, seed=seed)
    shuffle = NullTest(
        p_value=stats.permutation_p_value(observed, shuffle_null),
        null_mean=float(shuffle_null.mean()),
        n_permutations=SHUFFLE_PERMUTATIONS,
    )
    if not retrained:
        return ChanceCheck(prediction_shuffle=shuffle, retrained=None)
    return ChanceCheck(
        prediction_shuffle=shuffle,
        retrained=NullTest(
            p_value=stats.permutation_p_value(observed, retrained.null),
            null_mean=float(sum(retrained.null) / len(retrained.null)),
            null_max=float(max(retrained.null)),
            n_permutations=retrained.n_permutations,
        ),
    )


def per_key(rows: Sequence[PredictionRow], key: str, seed: int) -> dict[str, dict]:
    """Headline scores, and macro-F1's bootstrap CI, within each value of `key` (group, source)."""
    by_value = defaultdict(list)
    for row in rows:
        by_value[getattr(row, key)].append(row)
    return {
        value: {
            "n_items": len({r.id for r in members}),
            **_headline(members),
            "macro_f1_ci": confidence_intervals(members, seed)["macro_f1"],
        }
        for value, members in sorted(by_value.items())
    }


def per_tag(rows: Sequence[PredictionRow]) -> dict[str, TagScores]:
    """Accuracy on the items carrying each phenomenon tag (an item counts under each of its tags)."""
    by_tag = defaultdict(list)
    for row in rows:
        for tag in row.tags:
            by_tag[tag].append(row)
    return {
        tag: TagScores(n_items=len({r.id for r in members}), accuracy=sum(r.correct for r in members) / len(members))
        for tag, members in sorted(by_tag.items())
    }


def contrast_consistency(rows: Sequence[PredictionRow]) -> ContrastScores | None:
    """Share of article units right together with every contrast edit of them (Gardner et
    al. 2020), over the units whose unit and edits were all tested; per repeat, pooled."""
    outcomes: dict[tuple[str, int], list[bool]] = defaultdict(list)
    has_unit, has_edit = set(), set()
    for row in rows:
        key = (row.family, row.repeat)
        if row.source == CONTRAST_SOURCE:
            has_edit.add(key)
        elif row.id == row.family:
            has_unit.add(key)
        else:
            continue
        outcomes[key].append(row.correct)
    complete = sorted(has_unit & has_edit)
    if not complete:
        return None
    edits = [r for r in rows if r.source == CONTRAST_SOURCE]
    return ContrastScores(
        n_units=len({family for family, _ in complete}),
        consistency=sum(all(outcomes[key]) for key in complete) / len(complete),
        contrast_accuracy=sum(r.correct for r in edits) / len(edits),
    )


def learning_curve(
    curve: Sequence[CurveRow], rows: Sequence[PredictionRow], full_size: float, seed: int
) -> list[CurvePoint]:
    """macro-F1 with a bootstrap CI per training size; the largest size is the run itself."""
    by_size = defaultdict(list)
    for row in curve:
        by_size[row.size].append(row)
    by_size[full_size] = list(rows)
    points = []
    for size, members in sorted(by_size.items()):
        ci = stats.bootstrap_cis(item_counts(members)[1], n_resamples=BOOTSTRAP_RESAMPLES, seed=seed)["macro_f1"]
        points.append(CurvePoint(size=size, macro_f1=_scores(members)["macro_f1"], ci95=(ci.low, ci.high)))
    return points


def score(
    predictions: Sequence[PredictionRow],
    seed: int,
    full_train_size: float,
    chance: ChanceNull | None = None,
    curve: Sequence[CurveRow] = (),
) -> Metrics:
    """Everything metrics.json holds. Headline metrics use the test (out-of-fold) rows;
    holdout dev rows are scored apart. `seed` seeds the bootstrap and permutations."""
    rows = [r for r in predictions if r.split == "test"]
    dev_rows = [r for r in predictions if r.split == "dev"]
    pooled = _scores(rows)
    by_repeat = defaultdict(list)
    for row in rows:
        by_repeat[row.repeat].append(row)
    per_repeat = [_scores(members) for _, members in sorted(by_repeat.items())]
    return Metrics(
        **pooled,
        n_items=len({r.id for r in rows}),
        n_predictions=len(rows),
        n_repeats=len(per_repeat),
        spread_across_repeats={m: metrics.spread([r[m] for r in per_repeat]) for m in metrics.HEADLINE_METRICS},
        ci95=confidence_intervals(rows, seed),
        bootstrap_resamples=BOOTSTRAP_RESAMPLES,
        chance=chance_check(rows, pooled["macro_f1"], chance, seed),
        per_group=per_key(rows, "group", seed),
        per_source=per_key(rows, "source", seed),
        per_tag=per_tag(rows),
        contrast=contrast_consistency(rows),
        learning_curve=learning_curve(curve, rows, full_train_size, seed),
        dev=Headline(**_headline(dev_rows)) if dev_rows else None,
    )


def score_run(run: Run) -> Metrics:
    """`score` over a run's own predictions, chance null and learning curve."""
    return score(run.predictions, run.record.seed, run.record.mean_train_size, run.chance, run.curve)
