import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="conf", config_name="train")
def main(cfg: DictConfig) -> None:
    print("training for", cfg.epochs, "epochs")


if __name__ == "__main__":
    main()
