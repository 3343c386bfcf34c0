from src.components.data_ingestion import DataIngestion
from src.components.model_trainer import ModelTrainer

if __name__ == "__main__":
    path = DataIngestion().initiate_data_ingestion()
    ModelTrainer().initiate_model_trainer([[0]], [0])
