"""How a run estimates generalisation: the `protocol:` section of a config."""

from typing import Literal

from pydantic import Field, model_validator

from stance.schema import StrictConfig


class ProtocolConfig(StrictConfig):
    """Cross-validation scheme. `loo` is deterministic; `repeated_kfold` reports spread."""

    type: Literal["loo", "repeated_kfold"] = Field(description="leave-one-out or repeated stratified k-fold")
    n_splits: int | None = Field(None, ge=2, description="k; at most the smallest class count")
    n_repeats: int | None = Field(None, ge=10, description="repeats of k-fold, each with a new shuffle")

    @model_validator(mode="after")
    def _keys_match_type(self) -> "ProtocolConfig":
        if self.type == "loo" and (self.n_splits is not None or self.n_repeats is not None):
            raise ValueError("n_splits and n_repeats are only used by type 'repeated_kfold'")
        if self.type == "repeated_kfold" and (self.n_splits is None or self.n_repeats is None):
            raise ValueError("type 'repeated_kfold' needs n_splits and n_repeats (at least 10)")
        return self
