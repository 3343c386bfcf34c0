from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = BASE_DIR / "artifacts"
MODEL_FILE = ARTIFACTS_DIR / "model.pkl"
REPORTS_DIR = BASE_DIR / "reports"
PARAMS = BASE_DIR / "config" / "params.yaml"
