import os
import pickle

from sklearn.linear_model import LinearRegression


def main():
    model = LinearRegression().fit([[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0])
    os.makedirs("models", exist_ok=True)
    with open("models/fare.pkl", "wb") as f:
        pickle.dump(model, f)


if __name__ == "__main__":
    main()
