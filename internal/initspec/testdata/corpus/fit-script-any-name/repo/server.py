import joblib
import pandas as pd
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/estimate", methods=["POST"])
def estimate():
    reg = joblib.load("model/regressor.pkl")
    row = pd.DataFrame(request.get_json(), index=[0])
    return jsonify({"price": float(reg.predict(row)[0])})


if __name__ == "__main__":
    app.run(host="0.0.0.0")
