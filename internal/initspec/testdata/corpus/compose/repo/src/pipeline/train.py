import json
import os
from pathlib import Path

MODEL_DIR = Path(os.environ.get("MODEL_DIR", "outputs/model"))


def main():
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    (MODEL_DIR / "model.json").write_text(json.dumps({"w": 1}))


if __name__ == "__main__":
    main()
