from sklearn.linear_model import LogisticRegression


def build(c=1.0):
    return LogisticRegression(C=c, max_iter=200)
