"""The workspace's features member, which the api member depends on."""
import mlb_core

VALUE = 10
CORE = mlb_core.__version__
