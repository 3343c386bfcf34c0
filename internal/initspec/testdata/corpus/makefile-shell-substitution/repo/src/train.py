import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("--run-name", default="run")
parser.add_argument("--stamp", default="")
parser.add_argument("--epochs", type=int, default=1)
args = parser.parse_args()

os.makedirs("models", exist_ok=True)
with open(os.path.join("models", "latest.json"), "w") as f:
    json.dump({"run": args.run_name, "stamp": args.stamp, "epochs": args.epochs}, f)
