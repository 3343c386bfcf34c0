import onnxruntime as ort
from fastapi import FastAPI

app = FastAPI()
session = ort.InferenceSession("models/classifier.onnx")


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(x: list[float]):
    return {"score": session.run(None, {"x": [x]})[0].tolist()}
