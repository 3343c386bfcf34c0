import joblib
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline

texts = ["win money now", "meeting at noon", "cheap pills", "lunch tomorrow"]
labels = [1, 0, 1, 0]
pipe = make_pipeline(CountVectorizer(), MultinomialNB())
pipe.fit(texts, labels)
joblib.dump(pipe, "models/spam.joblib")
