import hydra
from omegaconf import DictConfig
from sklearn.linear_model import LogisticRegression


@hydra.main(version_base="1.3", config_path="../configs", config_name="train")
def main(cfg: DictConfig) -> None:
    LogisticRegression(C=cfg.model.C).fit([[0.0], [1.0]], [0, 1])


if __name__ == "__main__":
    main()
