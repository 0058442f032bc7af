"""Labelled examples: the data type, and the registry of sources a config can name."""

from stance.data.examples import TEST, TRAIN, DataSource, Examples
from stance.data.seeds import SeedsSource
from stance.data.semeval import SemEvalSource

# `data.source` in a config -> the class that loads it. Adding a source is one DataSource
# subclass, its config class in stance.config, and an entry here.
SOURCES: dict[str, type[DataSource]] = {
    SeedsSource.name: SeedsSource,
    SemEvalSource.name: SemEvalSource,
}


def open_source(config) -> DataSource:
    """The data source a config's `data:` section names."""
    return SOURCES[config.source](config)


__all__ = ["TEST", "TRAIN", "DataSource", "Examples", "SOURCES", "SeedsSource", "SemEvalSource", "open_source"]
