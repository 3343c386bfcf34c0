import os

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from examples import EXAMPLES

os.makedirs("models", exist_ok=True)
texts, labels = zip(*EXAMPLES)
clf = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=200))
clf.fit(texts, labels)
joblib.dump(clf, "models/intents.joblib")
