import json
import os

os.makedirs("models", exist_ok=True)
with open("models/vocab.json", "w") as f:
    json.dump({"hello": 0}, f)
