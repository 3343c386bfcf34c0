from mlproject.pipeline.stage_01_data_ingestion import DataIngestionPipeline
from mlproject.pipeline.stage_02_model_trainer import ModelTrainerPipeline

if __name__ == "__main__":
    DataIngestionPipeline().main()
    ModelTrainerPipeline().main()
