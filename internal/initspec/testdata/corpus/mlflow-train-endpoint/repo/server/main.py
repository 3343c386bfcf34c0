import mlflow
import mlflow.sklearn
from fastapi import FastAPI
from sklearn.linear_model import LogisticRegression

mlflow.set_tracking_uri("sqlite:///db/backend.db")
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/train")
def train(name: str, c: float = 1.0):
    mlflow.set_experiment("iris-like")
    with mlflow.start_run():
        model = LogisticRegression(C=c).fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
        mlflow.log_param("C", c)
        mlflow.sklearn.log_model(model, "model", registered_model_name=name)
    return {"trained": name}


@app.get("/predict")
def predict(name: str, x: float):
    model = mlflow.pyfunc.load_model(f"models:/{name}/Production")
    return {"y": int(model.predict([[x]])[0])}
