"""The workspace's api member: built from python/mlb-api and installed into the venv."""
import mlb_feat

VALUE = 1
FEAT = mlb_feat.VALUE
