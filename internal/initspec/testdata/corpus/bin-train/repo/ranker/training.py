import os


def fit(out_dir="checkpoints"):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "ranker.txt"), "w") as f:
        f.write("model\n")
