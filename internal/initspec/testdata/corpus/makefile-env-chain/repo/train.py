import mlflow
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

if __name__ == "__main__":
    df = pd.read_csv("features.csv")
    with mlflow.start_run():
        model = DecisionTreeClassifier(max_depth=3).fit(df[["a", "b", "c"]], df["y"])
        mlflow.log_metric("accuracy", model.score(df[["a", "b", "c"]], df["y"]))
        mlflow.sklearn.log_model(model, "model")
