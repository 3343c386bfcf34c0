"""Train the forecaster: python -m src.train"""
import json
import logging
from pathlib import Path

from src.data import synthetic
from src.model import fit

ARTIFACTS = Path("artifacts")
logging.basicConfig(filename="logs/train.log", level=logging.INFO)
log = logging.getLogger("train")


def main():
    x, y = synthetic(200)
    model = fit(x, y)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "model.json").write_text(json.dumps(model))
    log.info("wrote %s", ARTIFACTS / "model.json")


if __name__ == "__main__":
    main()
