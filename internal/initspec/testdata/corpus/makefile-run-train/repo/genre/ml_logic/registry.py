import os
import pickle

REGISTRY = "registry"


def save_model(model):
    os.makedirs(REGISTRY, exist_ok=True)
    with open(os.path.join(REGISTRY, "model.pkl"), "wb") as f:
        pickle.dump(model, f)


def load_model():
    path = os.path.join(REGISTRY, "model.pkl")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return pickle.load(f)
