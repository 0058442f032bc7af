"""User-facing errors: the CLI prints their message on one line and exits non-zero."""


class StanceError(Exception):
    """A problem with the user's input (config, data, run folder) rather than a bug."""


class ConfigError(StanceError):
    """A config file or override that does not validate."""


class DataError(StanceError):
    """Seed data that does not validate."""


class RunError(StanceError):
    """A run folder that is missing, incomplete or would be overwritten."""


def shown(text) -> str:
    """User text as a message quotes it: as written, unless it holds a line break or another
    control character, which would break the one-line message (then as a Python literal)."""
    text = str(text)
    return text if text.isprintable() else repr(text)


def where(path, line: int | None = None) -> str:
    """Format a location as `path:line` (or just `path`) for error messages."""
    return f"{path}:{line}" if line is not None else str(path)


def yaml_problem(path, err) -> str:
    """One-line `path:line: invalid YAML (problem)` from a PyYAML error."""
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{where(path, mark.line + 1 if mark else None)}: invalid YAML ({problem})"
