import os

import joblib
from flask import Flask, jsonify, render_template, request

app = Flask(__name__)

MODEL_PATH = "model.joblib"
if not os.path.exists(MODEL_PATH):
    raise FileNotFoundError("model.joblib not found: run train.py first")
model = joblib.load(MODEL_PATH)


@app.route("/health")
def health():
    return jsonify(status="ok")


@app.route("/", methods=["GET", "POST"])
def index():
    label = None
    if request.method == "POST":
        values = [float(v) for v in request.form["values"].split(",")]
        label = int(model.predict([values])[0])
    return render_template("index.html", label=label)


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5000, debug=True)
