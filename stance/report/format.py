"""How numbers are written in every report: percentages, intervals, p-values, protocols."""

from stance.config import ProtocolConfig


def pct(value: float) -> str:
    """A score in [0, 1] as percentage points with one decimal: 0.356 -> '35.6'."""
    return f"{100 * value:.1f}"


def ci_text(interval: tuple[float, float]) -> str:
    return f"[{pct(interval[0])}, {pct(interval[1])}]"


def p_cell(p: float) -> str:
    """A p-value as a table cell: '0.123', or '< 0.001'."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_text(p: float) -> str:
    """A p-value as it reads after 'p' in a sentence: '= 0.123', or '< 0.001'."""
    cell = p_cell(p)
    return cell if cell.startswith("<") else f"= {cell}"


def protocol_text(protocol: ProtocolConfig) -> str:
    if protocol.type == "repeated_kfold":
        return f"repeated stratified {protocol.n_splits}-fold × {protocol.n_repeats}"
    if protocol.type == "loo" and protocol.test_sources:
        return "leave-one-family-out (augmented)"
    if protocol.type == "grouped_kfold":
        repeats = f" × {protocol.repeats}" if protocol.repeats > 1 else ""
        return f"family-grouped stratified {protocol.n_splits}-fold{repeats}"
    if protocol.type == "cross_set":
        return "cross-set"
    if protocol.type == "loo" and protocol.repeats > 1:
        return f"leave-one-out × {protocol.n_repeats} seeds"
    if protocol.type == "holdout":
        return f"holdout (train minus {100 * protocol.dev_fraction:.0f}% dev, scored on test)"
    return {"loo": "leave-one-out", "loao": "leave-one-group-out"}[protocol.type]


def escape_cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return text.replace("|", "\\|")
