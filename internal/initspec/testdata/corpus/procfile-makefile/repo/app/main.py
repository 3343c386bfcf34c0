import torch
from fastapi import FastAPI

model = torch.jit.load("weights/classifier.pt")
app = FastAPI()


@app.get("/status")
def status():
    return {"up": True}
