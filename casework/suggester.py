"""The learned suggester: character n-gram TF-IDF and a linear classifier
(scikit-learn), trained from officer-confirmed cases or a CSV, saved under var/."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from casework.routing import compact

FORMAT = 1


class Suggester:
    """Category probabilities for a complaint text (routing.Model)."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.classes: list[str] = [str(c) for c in pipeline.classes_]

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str]) -> Suggester:
        if len(set(labels)) < 2:
            raise ValueError("training needs at least two different categories")
        pipeline = Pipeline([
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(2, 4), min_df=2,
                                      sublinear_tf=True, max_features=300_000)),
            ("clf", LogisticRegression(C=8.0, max_iter=2000, class_weight="balanced")),
        ])
        pipeline.fit([compact(t) for t in texts], list(labels))
        return cls(pipeline)

    def probabilities(self, text: str) -> dict[str, float]:
        """`text` as given to routing (already compact is fine: compact is idempotent)."""
        probs = self.pipeline.predict_proba([compact(text)])[0]
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(c) for c in self.pipeline.predict([compact(t) for t in texts])]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        joblib.dump({"format": FORMAT, "pipeline": self.pipeline}, tmp)
        tmp.replace(path)  # never leave a half-written model behind

    @classmethod
    def load(cls, path: Path) -> Suggester | None:
        """The saved model, or None when there is none (or it is from another format)."""
        if not path.exists():
            return None
        data = joblib.load(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        return cls(data["pipeline"])
