"""The base of every config section: unknown keys are errors, values are immutable."""

from pydantic import BaseModel, ConfigDict


class StrictConfig(BaseModel):
    """A config section that rejects unknown keys, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)
