import matplotlib.pyplot as plt
import mlflow
import numpy as np


def main():
    rng = np.random.default_rng(1)
    t = np.arange(365)
    y = 10 + 0.05 * t + 2 * np.sin(2 * np.pi * t / 7) + rng.normal(size=t.size)
    coef = np.polyfit(t, y, 1)
    mlflow.set_experiment("forecast")
    with mlflow.start_run():
        mlflow.log_param("degree", 1)
        plt.plot(t, y)
        plt.plot(t, np.polyval(coef, t))
        plt.savefig("fit.png")
        mlflow.log_artifact("fit.png")
    np.save("models/coef.npy", coef)


if __name__ == "__main__":
    main()
