from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"greeting": "Hello"}


@app.get("/predict")
def predict(distance: float):
    return {"fare": 2.0 * distance}
