import joblib
from sklearn.linear_model import LogisticRegression

if __name__ == "__main__":
    joblib.dump(LogisticRegression().fit([[0], [1]], [0, 1]), "models/model.pkl")
