import os

REQUIRED = ("FEATURE_STORE_URL", "FEATURE_STORE_TOKEN")

cfg = {}
for key in ["MODEL_NAME", "MODEL_VERSION"]:
    cfg[key] = os.environ[key]

store = {name: os.environ[name] for name in REQUIRED}
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
