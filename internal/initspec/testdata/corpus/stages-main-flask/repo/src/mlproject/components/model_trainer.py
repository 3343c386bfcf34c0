import os

import joblib
import pandas as pd
from sklearn.linear_model import ElasticNet


class ModelTrainer:
    def __init__(self, cfg):
        self.cfg = cfg

    def train(self):
        df = pd.read_csv(self.cfg["train_data"])
        y = df.pop("quality")
        model = ElasticNet(alpha=self.cfg["alpha"]).fit(df, y)
        os.makedirs(self.cfg["root_dir"], exist_ok=True)
        joblib.dump(model, os.path.join(self.cfg["root_dir"], "model.joblib"))
