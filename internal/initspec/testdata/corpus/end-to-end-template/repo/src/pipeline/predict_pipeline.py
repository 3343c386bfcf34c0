import os

from src.utils import load_object


class PredictPipeline:
    def predict(self, features):
        model_path = os.path.join("artifacts", "model.pkl")
        model = load_object(file_path=model_path)
        return model.predict(features)
