from omegaconf import DictConfig


def fit(cfg: DictConfig) -> float:
    return float(cfg.data.batch_size)
