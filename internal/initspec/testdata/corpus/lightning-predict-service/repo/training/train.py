import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from training.model import Regressor


def main():
    x = torch.randn(64, 4)
    y = x.sum(dim=1, keepdim=True)
    trainer = L.Trainer(max_epochs=2, default_root_dir="checkpoints")
    model = Regressor()
    trainer.fit(model, DataLoader(TensorDataset(x, y), batch_size=16))
    trainer.save_checkpoint("models/regressor.ckpt")


if __name__ == "__main__":
    main()
