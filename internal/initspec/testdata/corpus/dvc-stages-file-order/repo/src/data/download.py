import os
import urllib.request

URL = "https://example.org/datasets/reviews.csv"

if __name__ == "__main__":
    os.makedirs("data/raw", exist_ok=True)
    urllib.request.urlretrieve(URL, "data/raw/reviews.csv")
