import json
import os

os.makedirs("models", exist_ok=True)
with open("models/tags.json", "w") as f:
    json.dump(["invoice", "receipt"], f)
