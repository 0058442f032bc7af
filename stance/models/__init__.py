"""The explicit registry of model types, chosen by a config's `model.type`."""

from stance.models.base import StanceModel
from stance.models.majority import MajorityModel
from stance.models.tfidf import TfidfModel

MODELS: dict[str, type[StanceModel]] = {
    "majority": MajorityModel,
    "tfidf": TfidfModel,
}
