import json

import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> None:
    with open("experiments/baseline.json") as f:
        experiment = json.load(f)
    print(len(experiment), cfg.train.epochs)


if __name__ == "__main__":
    main()
