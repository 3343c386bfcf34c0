import joblib
import yaml
from sklearn.linear_model import LogisticRegression


def main():
    with open("configs/config.yaml") as fh:
        config = yaml.safe_load(fh)
    model = LogisticRegression(max_iter=config["training"]["epochs"] * 20)
    model.fit([[0.0], [1.0]], [0, 1])
    joblib.dump(model, config["model"]["path"])


if __name__ == "__main__":
    main()
