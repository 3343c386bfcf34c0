import os
from dataclasses import dataclass

from sklearn.linear_model import LinearRegression

from src.utils import save_object


@dataclass
class ModelTrainerConfig:
    trained_model_file_path = os.path.join("artifacts", "model.pkl")


class ModelTrainer:
    def __init__(self):
        self.model_trainer_config = ModelTrainerConfig()

    def initiate_model_trainer(self, x, y):
        model = LinearRegression().fit(x, y)
        save_object(file_path=self.model_trainer_config.trained_model_file_path, obj=model)
