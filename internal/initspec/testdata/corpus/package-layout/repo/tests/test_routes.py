from churn.api.main import app
