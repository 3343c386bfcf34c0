import os
import urllib.request

from mlproject.config.configuration import read_config


class DataIngestionPipeline:
    def main(self):
        cfg = read_config()["data_ingestion"]
        os.makedirs("artifacts/data_ingestion", exist_ok=True)
        urllib.request.urlretrieve(cfg["source_url"], "artifacts/data_ingestion/winequality.csv")
