from pathlib import Path

CONFIG_FILE_PATH = Path("config/config.yaml")
