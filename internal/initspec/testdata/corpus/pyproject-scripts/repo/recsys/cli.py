import numpy as np
import uvicorn


def train():
    np.savez("artifacts/als.npz", users=np.zeros(3), items=np.zeros(3))


def serve():
    uvicorn.run("recsys.web:app", host="0.0.0.0", port=9000)
