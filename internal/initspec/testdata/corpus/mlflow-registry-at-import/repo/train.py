import mlflow
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

mlflow.set_tracking_uri("http://mlflow:5000")

if __name__ == "__main__":
    X, y = make_classification(n_samples=300, random_state=0)
    with mlflow.start_run():
        model = LogisticRegression().fit(X, y)
        mlflow.sklearn.log_model(model, "model", registered_model_name="fraud-detector")
