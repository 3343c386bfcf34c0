import hydra
import joblib
from omegaconf import DictConfig
from sklearn.linear_model import Ridge


@hydra.main(version_base="1.3", config_path="configs", config_name="train")
def main(cfg: DictConfig) -> None:
    model = Ridge(alpha=cfg.model.alpha).fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    # Hydra has changed into the run directory (hydra.job.chdir): the model lands there.
    joblib.dump(model, "model.joblib")


if __name__ == "__main__":
    main()
