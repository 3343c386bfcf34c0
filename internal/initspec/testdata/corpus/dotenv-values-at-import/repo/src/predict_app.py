from dotenv import dotenv_values
from flask import Flask, request
from joblib import load

MODEL_PATH = "models/price.joblib"

app = Flask(__name__)
config = dotenv_values(".env")
tokens = {
    config["APP_TOKEN"]: "user1",
}
model = load(MODEL_PATH)


@app.route("/")
def home():
    return "ok"


@app.route("/predict", methods=["POST"])
def predict():
    if request.headers.get("Authorization", "").removeprefix("Bearer ") not in tokens:
        return {"error": "unauthorized"}, 401
    return {"price": float(model.predict([[request.json["area"]]])[0])}
