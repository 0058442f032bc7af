"""The explicit registry of model types, chosen by a config's `model.type`.

Each type's `model:` section is a class in stance.config (MODEL_CONFIGS); an ensemble is
not a type here but a run built from trained runs (stance.ensemble).
"""

from stance.models.base import StanceModel
from stance.models.embeddings import EmbeddingsModel
from stance.models.majority import MajorityModel
from stance.models.setfit_model import SetFitStanceModel
from stance.models.tfidf import TfidfModel
from stance.models.transformer import TransformerModel

MODELS: dict[str, type[StanceModel]] = {
    "majority": MajorityModel,
    "tfidf": TfidfModel,
    "transformer": TransformerModel,
    "setfit": SetFitStanceModel,
    "embeddings": EmbeddingsModel,
}
