import os

import joblib
from flask import Flask, render_template, request

app = Flask(__name__)


@app.route("/", methods=["GET"])
def home():
    return render_template("index.html")


@app.route("/train", methods=["GET"])
def training():
    os.system("python main.py")
    return "Training successful!"


@app.route("/predict", methods=["POST"])
def predict():
    model = joblib.load("artifacts/model_trainer/model.joblib")
    values = [float(v) for v in request.form.values()]
    return render_template("results.html", prediction=float(model.predict([values])[0]))


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)
