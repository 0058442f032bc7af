"""The explicit registry of model types, chosen by a config's `model.type`."""

from stance.models.base import StanceModel
from stance.models.embeddings import EmbeddingsModel
from stance.models.ensemble import EnsembleModel
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
    "ensemble": EnsembleModel,
}
