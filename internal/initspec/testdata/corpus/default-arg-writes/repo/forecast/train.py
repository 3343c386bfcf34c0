import pandas as pd

from forecast.prepare import split
from forecast.trainer import Trainer


def main():
    df = pd.DataFrame({"x": range(20), "y": [2 * i for i in range(20)]})
    train, _ = split(df)
    Trainer().fit(train[["x"]], train["y"]).save()


if __name__ == "__main__":
    main()
