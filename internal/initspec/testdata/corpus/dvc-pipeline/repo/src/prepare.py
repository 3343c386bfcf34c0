import pandas as pd

pd.read_csv('data/raw/x.csv').to_parquet('data/prepared/x.parquet')
