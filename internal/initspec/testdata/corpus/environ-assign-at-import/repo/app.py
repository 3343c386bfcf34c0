import os

import joblib
from fastapi import FastAPI

os.environ["JOBLIB_TEMP_FOLDER"] = os.getenv("JOBLIB_TEMP_FOLDER", "/tmp")
os.environ['SPAM_THRESHOLD'] = os.getenv('SPAM_THRESHOLD', '0.5')
THRESHOLD = float(os.environ["SPAM_THRESHOLD"])

model = joblib.load("models/spam.joblib")
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True, "threshold": THRESHOLD}


@app.post("/spam")
def spam(text: str):
    return {"spam": bool(model.predict_proba([text])[0][1] >= THRESHOLD)}
