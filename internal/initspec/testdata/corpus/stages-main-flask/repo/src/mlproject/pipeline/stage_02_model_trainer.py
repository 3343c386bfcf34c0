from mlproject.components.model_trainer import ModelTrainer
from mlproject.config.configuration import read_config


class ModelTrainerPipeline:
    def main(self):
        ModelTrainer(read_config()["model_trainer"]).train()
