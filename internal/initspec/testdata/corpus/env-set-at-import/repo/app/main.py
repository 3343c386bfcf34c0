import os

os.environ["TOKENIZERS_PARALLELISM"] = "false"
for name in ["OMP_NUM_THREADS", "MKL_NUM_THREADS"]:
    os.environ[name] = "1"

from fastapi import FastAPI

if "MODEL_DIR" in os.environ:
    MODEL_DIR = os.environ["MODEL_DIR"]
else:
    MODEL_DIR = "models"

try:
    WORKERS = int(os.environ["WORKERS"])
except KeyError:
    WORKERS = 1

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok", "workers": WORKERS}
