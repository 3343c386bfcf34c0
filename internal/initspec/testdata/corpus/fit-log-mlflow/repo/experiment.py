import mlflow
import mlflow.sklearn
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split


def run_experiment(n_trees=50):
    x, y = load_wine(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, random_state=0)
    forest = RandomForestClassifier(n_estimators=n_trees)
    forest.fit(x_tr, y_tr)
    with mlflow.start_run():
        mlflow.log_param("n_trees", n_trees)
        mlflow.log_metric("acc", forest.score(x_te, y_te))
        mlflow.sklearn.log_model(forest, "forest")


if __name__ == "__main__":
    run_experiment()
