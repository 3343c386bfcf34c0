import boto3
import joblib
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge

if __name__ == "__main__":
    X, y = make_regression(n_samples=200, n_features=4, random_state=0)
    joblib.dump(Ridge().fit(X, y), "model.joblib")
    boto3.client("s3").upload_file("model.joblib", "ml-artifacts", "price/model.joblib")
