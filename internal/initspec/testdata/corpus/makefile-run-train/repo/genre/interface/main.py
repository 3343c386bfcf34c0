from sklearn.naive_bayes import MultinomialNB
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline

from genre.ml_logic.registry import save_model


def train():
    texts = ["a space battle", "a love story", "a haunted house", "a ship in space"]
    labels = ["scifi", "romance", "horror", "scifi"]
    model = make_pipeline(CountVectorizer(), MultinomialNB())
    model.fit(texts, labels)
    save_model(model)


def pred(text):
    from genre.ml_logic.registry import load_model
    return load_model().predict([text])[0]
