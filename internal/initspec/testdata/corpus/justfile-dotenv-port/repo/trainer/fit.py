import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()
os.makedirs("models", exist_ok=True)
with open("models/weights.json", "w") as f:
    json.dump({"epochs": args.epochs}, f)
