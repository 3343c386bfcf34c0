import json
import os
import urllib.request

from fastapi import FastAPI

OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
MODEL = os.getenv("OPENAI_MODEL", "gpt-4o-mini")

app = FastAPI(title="summarizer")


@app.get("/health")
def health():
    return {"status": "ok", "model": MODEL}


@app.post("/summarize")
def summarize(text: str):
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": "Summarize: " + text}]}).encode()
    req = urllib.request.Request("https://api.openai.com/v1/chat/completions", data=body,
                                 headers={"Authorization": "Bearer " + OPENAI_API_KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)["choices"][0]["message"]
