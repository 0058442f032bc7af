"""TF-IDF baseline: word and character n-grams into a linear classifier, one Pipeline.

Because the vectorizers sit inside the Pipeline, cross-validation fits the vocabulary
and IDF weights on each training fold only, and the saved model scores raw text.
"""

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from stance.config import TfidfConfig
from stance.models.sklearn_model import SklearnModel
from stance.models.text import PREPROCESSORS


class TfidfModel(SklearnModel):
    """word 1-3-grams + char 2-5-grams -> LogisticRegression or LinearSVC."""

    Config = TfidfConfig

    def build_estimator(self) -> Pipeline:
        cfg = self.config
        vectorizer = dict(sublinear_tf=cfg.sublinear_tf, min_df=cfg.min_df, lowercase=True)
        features = FeatureUnion(
            [
                ("word", TfidfVectorizer(analyzer="word", ngram_range=cfg.word_ngram_range, **vectorizer)),
                ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=cfg.char_ngram_range, **vectorizer)),
            ]
        )
        # Balanced by default: label sets here are skewed (the article's 15 sentences hold
        # 2 NONE), and an unweighted loss would learn to ignore the rarest class.
        class_weight = "balanced" if cfg.class_weight == "balanced" else None
        classifier = LogisticRegression if cfg.classifier == "logreg" else LinearSVC
        clf = classifier(C=cfg.C, class_weight=class_weight, max_iter=cfg.max_iter, random_state=self.seed)
        steps = [("features", features), ("clf", clf)]
        if cfg.text_preprocessing != "none":  # in the Pipeline, so the saved model applies it to raw text
            steps.insert(0, ("text", FunctionTransformer(PREPROCESSORS[cfg.text_preprocessing])))
        return Pipeline(steps)
