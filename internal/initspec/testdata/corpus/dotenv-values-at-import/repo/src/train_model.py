from joblib import dump
from sklearn.linear_model import LinearRegression

model = LinearRegression().fit([[30.0], [60.0], [90.0]], [3.0, 6.0, 9.0])
dump(model, "models/price.joblib")
