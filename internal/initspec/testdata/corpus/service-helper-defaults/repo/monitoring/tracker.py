import os
from datetime import datetime

import pandas as pd


def log_prediction(input_data: pd.DataFrame, prediction, filepath: str = "logs/predictions.csv"):
    os.makedirs(os.path.dirname(filepath), exist_ok=True)
    entry = input_data.copy()
    entry["prediction"] = prediction
    entry["timestamp"] = datetime.now()
    entry.to_csv(filepath, mode="a", header=not os.path.exists(filepath), index=False)
