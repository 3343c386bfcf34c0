from fastapi import FastAPI

from genre.ml_logic.registry import load_model

app = FastAPI()
model = load_model()


@app.get("/")
def root():
    return {"greeting": "hello"}


@app.get("/predict")
def predict(synopsis: str):
    return {"genre": model.predict([synopsis])[0] if model else None}
