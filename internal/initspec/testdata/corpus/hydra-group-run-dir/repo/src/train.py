import hydra
from omegaconf import DictConfig

from src.pipeline.fit import fit


@hydra.main(version_base="1.3", config_path="../configs", config_name="train.yaml")
def main(cfg: DictConfig) -> float:
    return fit(cfg)


if __name__ == "__main__":
    main()
