import mlflow.sklearn
from fastapi import FastAPI
from pydantic import BaseModel

model = mlflow.sklearn.load_model("model")

app = FastAPI()


class Features(BaseModel):
    income: float
    rooms: float


@app.post("/predict")
def predict(f: Features):
    return {"value": float(model.predict([[f.income, f.rooms]])[0])}
