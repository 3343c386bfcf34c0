import os
import urllib.request

import requests
from kaggle.api.kaggle_api_extended import KaggleApi
from sklearn.datasets import fetch_openml

RAW = os.path.join("data", "raw")
BIKES_URL = "https://example.org/datasets/bikes.csv"
WEATHER_URL = "https://example.org/datasets/weather.csv"


def download_all():
    os.makedirs(RAW, exist_ok=True)
    urllib.request.urlretrieve(BIKES_URL, os.path.join(RAW, "bikes.csv"))
    resp = requests.get(WEATHER_URL, timeout=60)
    resp.raise_for_status()
    with open(os.path.join(RAW, "weather.csv"), "wb") as f:
        f.write(resp.content)
    api = KaggleApi()
    api.authenticate()
    api.dataset_download_files("someone/holidays", path="data/external", unzip=True)
    fetch_openml("bike_sharing_demand", version=2, data_home="data/openml")
