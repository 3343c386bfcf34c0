import pandas as pd


def split(df: pd.DataFrame, out_dir: str = "data/processed", frac: float = 0.8):
    train = df.sample(frac=frac, random_state=0)
    test = df.drop(train.index)
    train.to_csv(f"{out_dir}/train.csv", index=False)
    test.to_csv(f"{out_dir}/test.csv", index=False)
    return train, test
