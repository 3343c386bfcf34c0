import numpy as np


def main() -> None:
    weights = np.linspace(0.0, 1.0, 8)
    np.save("models/weights.npy", weights)


if __name__ == "__main__":
    main()
