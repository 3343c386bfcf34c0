import lightning as L
import torch
from torch.utils.data import DataLoader, TensorDataset

from training.model import Regressor

model = Regressor.load_from_checkpoint("models/regressor.ckpt")
trainer = L.Trainer(accelerator="cpu", devices=1)


def predict(rows):
    loader = DataLoader(TensorDataset(torch.tensor(rows, dtype=torch.float32)), batch_size=32)
    return [p.squeeze(1).tolist() for p in trainer.predict(model, loader)]
