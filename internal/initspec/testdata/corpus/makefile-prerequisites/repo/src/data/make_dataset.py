import sys
from pathlib import Path

from sklearn.datasets import fetch_california_housing


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frame = fetch_california_housing(as_frame=True).frame
    frame.to_csv(out / "housing.csv", index=False)


if __name__ == "__main__":
    main(sys.argv[1])
