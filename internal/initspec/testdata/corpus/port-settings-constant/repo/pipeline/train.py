import pickle
from pathlib import Path

from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge

from service.settings import settings


def main():
    X, y = load_diabetes(return_X_y=True)
    out = Path(settings.MODEL_DIR)
    out.mkdir(exist_ok=True)
    with open(out / "model.pkl", "wb") as f:
        pickle.dump(Ridge().fit(X, y), f)


if __name__ == "__main__":
    main()
