import pickle


def load_checkpoint(path):
    with open(path, "rb") as f:
        return pickle.load(f)
