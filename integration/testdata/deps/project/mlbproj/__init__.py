"""The project's own package: built by mlb_backend.py and installed into the image's venv."""
import mlb_core

VALUE = 1
__version__ = "0.1.0"
CORE = mlb_core.__version__
