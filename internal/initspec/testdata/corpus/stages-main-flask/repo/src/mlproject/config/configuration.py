import yaml

from mlproject.constants import CONFIG_FILE_PATH


def read_config():
    with open(CONFIG_FILE_PATH) as f:
        return yaml.safe_load(f)
