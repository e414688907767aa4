"""The learned suggester: character n-gram TF-IDF and a linear classifier
(scikit-learn), trained from officer-confirmed cases or a CSV, saved under var/.

Until a municipality has trained its own, the router uses a *starter* model trained
from the example complaints shipped in config/routing_examples.csv (written for this
product, see that file's header). It is trained once and cached under var/models,
keyed by the file's content, so editing the examples retrains it on next use.

A label is a category code, or `category@department` when the example's department is
not the category's default (a school question is other@education): the model then also
suggests the department, which routing uses when no rule names one.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from casework.routing import compact

FORMAT = 2
EXAMPLES_FILE = "routing_examples.csv"
TRAINED_FILE = "router.joblib"
SEP = "@"
# Departments a label never carries: a referral needs an agency's name (agency rules),
# and the sealed track is opened by routing's own bars (corruption rules, or the model's
# `corruption` probability together with them).
RULE_ONLY_DEPARTMENTS = frozenset({"external", "integrity"})


def label(category: str, department: str | None, defaults: Mapping[str, str]) -> str:
    """The training label of an example: its category, plus its department when that
    is not the category's default one (and not decided by rules alone)."""
    if not department or department == defaults.get(category) \
            or department in RULE_ONLY_DEPARTMENTS:
        return category
    return f"{category}{SEP}{department}"


class Suggester:
    """Label probabilities for a complaint text (routing.Model)."""

    def __init__(self, pipeline: Pipeline, source: str = "trained"):
        self.pipeline = pipeline
        self.source = source  # "trained" (var/models/router.joblib) or "starter"
        self.classes: list[str] = [str(c) for c in pipeline.classes_]
        # The fitted arrays, for scoring one text without scikit-learn's per-call checks
        # (measured 3.4× faster than predict_proba, same probabilities to 1e-14).
        tfidf, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
        self._analyse = tfidf.build_analyzer()
        self._vocabulary: dict[str, int] = tfidf.vocabulary_
        self._idf = tfidf.idf_
        self._coef = np.asarray(clf.coef_)  # (classes, features), or (1, features) if binary
        self._intercept = np.asarray(clf.intercept_)

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str],
              source: str = "trained") -> Suggester:
        if len(set(labels)) < 2:
            raise ValueError("training needs at least two different categories")
        pipeline = Pipeline([
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(2, 4), min_df=2,
                                      sublinear_tf=True, max_features=300_000)),
            ("clf", LogisticRegression(C=8.0, max_iter=2000, tol=1e-3, class_weight="balanced")),
        ])
        pipeline.fit([compact(t) for t in texts], list(labels))
        return cls(pipeline, source)

    def probabilities(self, text: str) -> dict[str, float]:
        """Label probabilities for `text` (compact or not: compact is idempotent).
        Same result as predict_proba: sublinear TF-IDF, L2 norm, linear scores, softmax."""
        counts = Counter(self._vocabulary[g] for g in self._analyse(compact(text))
                         if g in self._vocabulary)
        scores = self._intercept.astype(float)
        if counts:
            cols = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            weights = np.array([1.0 + math.log(n) for n in counts.values()]) * self._idf[cols]
            weights /= np.sqrt(weights @ weights)
            scores = scores + self._coef[:, cols] @ weights
        if len(self.classes) == 2:  # binary: one score for the second class
            p = 1.0 / (1.0 + math.exp(-float(scores[0])))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        exp = np.exp(scores - scores.max())
        probs = exp / exp.sum()
        return {c: float(v) for c, v in zip(self.classes, probs, strict=True)}

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The best category (without a department) of each text."""
        return [str(c).split(SEP)[0] for c in self.pipeline.predict([compact(t) for t in texts])]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{hashlib.sha1(str(path).encode()).hexdigest()[:6]}.tmp")
        joblib.dump({"format": FORMAT, "pipeline": self.pipeline, "source": self.source,
                     "sklearn": sklearn.__version__}, tmp)
        tmp.replace(path)  # never leave a half-written model behind

    @classmethod
    def load(cls, path: Path) -> Suggester | None:
        """The saved model, or None when there is none (or it is from another format or
        another scikit-learn version: a pickle is only safe with the version that wrote it)."""
        if not path.exists():
            return None
        data = joblib.load(path)
        if not isinstance(data, dict) or data.get("format") != FORMAT \
                or data.get("sklearn") != sklearn.__version__:
            return None
        return cls(data["pipeline"], str(data.get("source", "trained")))


def read_examples(path: Path, defaults: Mapping[str, str],
                  categories: Iterable[str]) -> tuple[list[str], list[str]]:
    """Texts and labels of a CSV with `text`, `category` and optional `department`
    columns; rows with an unknown category are skipped."""
    known = set(categories)
    texts, labels = [], []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            text, cat = (row.get("text") or "").strip(), (row.get("category") or "").strip()
            if text and cat in known:
                texts.append(text)
                labels.append(label(cat, (row.get("department") or "").strip(), defaults))
    return texts, labels


_STARTERS: dict[str, Suggester] = {}  # one per examples file content, per process
_LOCK = threading.Lock()


def starter(config_dir: Path, var_dir: Path, defaults: Mapping[str, str],
            categories: Iterable[str]) -> Suggester | None:
    """The starter model of config/routing_examples.csv: from memory or its cache under
    var/models when the file is unchanged, else trained now (about 5 s) and cached."""
    examples = config_dir / EXAMPLES_FILE
    if not examples.exists():
        return None
    digest = hashlib.sha256(examples.read_bytes()).hexdigest()[:16]
    with _LOCK:
        model = _STARTERS.get(digest)
        if model is not None:
            return model
        cached = var_dir / "models" / f"starter-{digest}.joblib"
        model = Suggester.load(cached)
        if model is None:
            texts, labels = read_examples(examples, defaults, categories)
            if len(set(labels)) < 2:
                return None
            model = Suggester.train(texts, labels, source="starter")
            with contextlib.suppress(OSError):  # a read-only var/: keep it in memory only
                model.save(cached)
        _STARTERS[digest] = model
        return model


def load_model(config_dir: Path, var_dir: Path, defaults: Mapping[str, str],
               categories: Iterable[str]) -> Suggester | None:
    """The municipality's own model (`casework route train`) when there is one, else
    the starter model, else None (rules only)."""
    return (Suggester.load(var_dir / "models" / TRAINED_FILE)
            or starter(config_dir, var_dir, defaults, categories))
