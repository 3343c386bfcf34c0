import pickle

from flask import Flask, jsonify, request

app = Flask(__name__)

with open("assets/churn_model.pkl", "rb") as f:
    model = pickle.load(f)


@app.route("/predict", methods=["POST"])
def predict():
    row = request.get_json()
    return jsonify({"churn": int(model.predict([[row["tenure"], row["salary"]]])[0])})
