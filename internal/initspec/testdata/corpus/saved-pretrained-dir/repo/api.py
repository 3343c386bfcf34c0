from fastapi import FastAPI
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

from finetune import MODEL_DIR

classifier = pipeline(
    "text-classification",
    model=AutoModelForSequenceClassification.from_pretrained(MODEL_DIR),
    tokenizer=AutoTokenizer.from_pretrained(MODEL_DIR),
)
app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/classify")
def classify(text: str):
    return classifier(text)[0]
