import joblib
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.templating import Jinja2Templates

from train import train

app = FastAPI()
pages = Jinja2Templates(directory="templates")
tree = joblib.load("model/tree.pkl")


@app.get("/")
def index(request: Request):
    return pages.TemplateResponse(request, "index.html")


@app.post("/predict")
def predict(features: list[float]):
    return {"species": int(tree.predict([features])[0])}


@app.get("/retrain")
def retrain(tasks: BackgroundTasks):
    tasks.add_task(train)
    return {"started": True}
