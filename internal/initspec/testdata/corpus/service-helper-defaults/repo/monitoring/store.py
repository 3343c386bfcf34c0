import json
from pathlib import Path


class FeedbackStore:
    def __init__(self, root="feedback"):
        self.root = Path(root)

    def add(self, request_id: str, label: int):
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / f"{request_id}.json").write_text(json.dumps({"label": label}))
