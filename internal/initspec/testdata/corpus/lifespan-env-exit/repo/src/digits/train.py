import os
import pickle


def main():
    os.makedirs("models", exist_ok=True)
    with open("models/digits.pkl", "wb") as f:
        pickle.dump({"weights": [0.1, 0.2]}, f)


if __name__ == "__main__":
    main()
