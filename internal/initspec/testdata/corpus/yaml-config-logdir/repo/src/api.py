import logging
import os

import joblib
import yaml
from fastapi import FastAPI

with open("configs/config.yaml") as f:
    CONFIG = yaml.safe_load(f)

LOG_DIR = CONFIG["logging"]["log_dir"]
os.makedirs(LOG_DIR, exist_ok=True)
logging.basicConfig(
    level=CONFIG["logging"]["level"],
    handlers=[logging.FileHandler(os.path.join(LOG_DIR, "service.log"))],
)
log = logging.getLogger("churn")

model = joblib.load(CONFIG["model"]["path"])
app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}


@app.post("/predict")
def predict(tenure: float):
    log.info("predict %s", tenure)
    return {"churn": int(model.predict([[tenure]])[0])}
