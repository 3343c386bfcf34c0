import os

import joblib
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier


def train():
    x, y = load_iris(return_X_y=True)
    tree = DecisionTreeClassifier(max_depth=3).fit(x, y)
    os.makedirs("model", exist_ok=True)
    joblib.dump(tree, "model/tree.pkl")


if __name__ == "__main__":
    train()
