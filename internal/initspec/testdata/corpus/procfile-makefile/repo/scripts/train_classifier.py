import argparse

import torch

from app.net import Net

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=1)
    args = p.parse_args()
    model = Net()
    for epoch in range(args.epochs):
        torch.save(model.state_dict(), f"checkpoints/epoch_{epoch}.pt")
    torch.jit.save(torch.jit.script(model), "weights/classifier.pt")
