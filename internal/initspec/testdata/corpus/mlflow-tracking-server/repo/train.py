import os

import mlflow
import mlflow.sklearn
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

TRACKING = os.getenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
mlflow.set_tracking_uri(TRACKING)
mlflow.set_experiment("iris")


def main():
    x, y = load_iris(return_X_y=True)
    clf = LogisticRegression(max_iter=300).fit(x, y)
    with mlflow.start_run():
        mlflow.log_metric("train_acc", clf.score(x, y))
        mlflow.sklearn.log_model(clf, "model", registered_model_name="iris-clf")


if __name__ == "__main__":
    main()
