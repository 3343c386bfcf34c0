import json

import joblib
from fastapi import FastAPI

encoder = joblib.load("artifacts/encoder.joblib")
model = joblib.load("artifacts/model.joblib")

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/score")
def score(plan: str):
    p = float(model.predict_proba(encoder.transform([[plan]]))[0][1])
    with open("artifacts/requests.jsonl", "a") as f:
        f.write(json.dumps({"plan": plan, "p": p}) + "\n")
    with open("app/last_request.json", "w") as f:
        json.dump({"plan": plan}, f)
    return {"churn": p}
