from torch import nn


def build(hidden: int, layers: int) -> nn.Module:
    blocks = [nn.Linear(8, hidden), nn.ReLU()]
    for _ in range(layers - 1):
        blocks += [nn.Linear(hidden, hidden), nn.ReLU()]
    return nn.Sequential(*blocks, nn.Linear(hidden, 1))
