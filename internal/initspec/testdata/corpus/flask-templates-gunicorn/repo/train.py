import joblib
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier


def main():
    X, y = load_wine(return_X_y=True)
    model = RandomForestClassifier(n_estimators=50, random_state=0).fit(X, y)
    joblib.dump(model, "model.joblib")
    print("saved model.joblib")


if __name__ == "__main__":
    main()
