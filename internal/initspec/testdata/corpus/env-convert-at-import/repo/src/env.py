import os

import dotenv

dotenv.load_dotenv(os.path.join(os.path.dirname(__file__), os.pardir, ".env"))

DB_HOST = os.getenv("DB_HOST")
DB_PORT = int(os.getenv("DB_PORT"))
USE_CUDA = eval(os.getenv("USE_CUDA"))
