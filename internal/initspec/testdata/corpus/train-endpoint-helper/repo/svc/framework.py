import json
import os
import pickle

from sklearn.linear_model import LogisticRegression, Ridge

KINDS = {"logreg": LogisticRegression, "ridge": Ridge}


def fit_and_store(kind, params, X, y):
    model = KINDS[kind](**params)
    model.fit(X, y)
    model_id = abs(hash(json.dumps([kind, params], sort_keys=True)))
    os.makedirs("./models/", exist_ok=True)
    with open(f"./models/model_{model_id}.pkl", "wb") as f:
        pickle.dump(model, f)
    return model_id


def list_models():
    return sorted(os.listdir("models")) if os.path.isdir("models") else []
