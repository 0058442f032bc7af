"""How a run estimates generalisation: the `protocol:` section of a config."""

from typing import Literal

from pydantic import Field, model_validator

from stance.schema import StrictConfig

MIN_KFOLD_REPEATS = 10


class ProtocolConfig(StrictConfig):
    """Cross-validation scheme.

    loo: leave-one-sentence-out; n_repeats > 1 reruns it with new model seeds, which
         shows seed variance for stochastic models (transformers).
    repeated_kfold: repeated stratified k-fold; each repeat reshuffles the folds and
         uses a new model seed.
    loao: leave-one-article-out; tests transfer to an unseen article.
    holdout: for data with a test split (SemEval): train on train minus a stratified dev
         split, use dev for early stopping and model choice, score once on test.
    """

    type: Literal["loo", "repeated_kfold", "loao", "holdout"] = Field(description="loo, repeated_kfold, loao or holdout")
    n_splits: int | None = Field(None, ge=2, description="k; at most the smallest class count")
    n_repeats: int | None = Field(None, ge=1, description="passes over the data, each with a new seed")
    dev_fraction: float | None = Field(None, gt=0, lt=1, description="holdout: share of train held out as dev")

    @model_validator(mode="after")
    def _keys_match_type(self) -> "ProtocolConfig":
        if self.type != "repeated_kfold" and self.n_splits is not None:
            raise ValueError("n_splits is only used by type 'repeated_kfold'")
        if self.type in ("loao", "holdout") and self.n_repeats not in (None, 1):
            raise ValueError(f"type '{self.type}' has one fixed split; n_repeats is not used")
        if self.type != "holdout" and self.dev_fraction is not None:
            raise ValueError("dev_fraction is only used by type 'holdout'")
        if self.type == "repeated_kfold" and (self.n_splits is None or (self.n_repeats or 0) < MIN_KFOLD_REPEATS):
            raise ValueError(f"type 'repeated_kfold' needs n_splits and n_repeats >= {MIN_KFOLD_REPEATS}")
        return self

    @property
    def repeats(self) -> int:
        return self.n_repeats or 1
