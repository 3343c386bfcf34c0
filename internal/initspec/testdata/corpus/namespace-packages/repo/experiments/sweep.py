import optuna
