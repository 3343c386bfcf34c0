import json
import os

from genres.text import encode


def main():
    ids = encode(["a ship in space", "a love story"])
    os.makedirs("models", exist_ok=True)
    with open("models/lengths.json", "w") as f:
        json.dump([len(i) for i in ids], f)


if __name__ == "__main__":
    main()
