import sys
from pathlib import Path

import pandas as pd


def main(src, out):
    df = pd.read_csv(Path(src) / "housing.csv")
    df["rooms_per_household"] = df["AveRooms"] / df["AveOccup"]
    Path(out).mkdir(parents=True, exist_ok=True)
    df.to_csv(Path(out) / "features.csv", index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
