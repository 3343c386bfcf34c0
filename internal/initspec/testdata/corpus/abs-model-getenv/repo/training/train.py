import joblib
from sklearn.ensemble import RandomForestClassifier

if __name__ == "__main__":
    clf = RandomForestClassifier(n_estimators=10).fit([[0, 1], [1, 0]], [0, 1])
    joblib.dump(clf, "models/fraud.joblib")
