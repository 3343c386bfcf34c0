import xgboost as xgb

if __name__ == "__main__":
    dtrain = xgb.DMatrix([[1.0, 2.0], [3.0, 4.0]], label=[100.0, 200.0])
    booster = xgb.train({"max_depth": 2}, dtrain, num_boost_round=5)
    booster.save_model("ml/models/house_xgb.json")
