"""A stand-in for MLflow's tracking API in the local file store (./mlruns), served by the
tests' package index in place of PyPI's mlflow: it writes the store's layout
(<store>/<experiment id>/meta.yaml, <store>/<experiment id>/<run id>/...) as MLflow does."""
import json
import os
import uuid

_store = os.environ.get("MLFLOW_TRACKING_URI", "mlruns")
_experiment = "0"
_run = None


def set_tracking_uri(uri):
    global _store
    _store = uri[len("file:"):] if uri.startswith("file:") else uri


def get_tracking_uri():
    return _store


def set_experiment(name):
    global _experiment
    os.makedirs(_store, exist_ok=True)
    ids = [d for d in os.listdir(_store) if d.isdigit()]
    for d in ids:
        meta = os.path.join(_store, d, "meta.yaml")
        if os.path.exists(meta) and "name: %s\n" % name in open(meta).read():
            _experiment = d
            return
    _experiment = str(max([int(d) for d in ids] + [0]) + 1)
    os.makedirs(os.path.join(_store, _experiment))
    with open(os.path.join(_store, _experiment, "meta.yaml"), "w") as f:
        f.write("experiment_id: '%s'\nname: %s\n" % (_experiment, name))


class _Info:
    def __init__(self):
        self.run_id = uuid.uuid4().hex


class ActiveRun:
    def __init__(self):
        self.info = _Info()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _run
        _run = None


def start_run():
    global _run
    _run = ActiveRun()
    os.makedirs(_path("artifacts"))
    return _run


def _path(*parts):
    return os.path.join(_store, _experiment, _run.info.run_id, *parts)


def _write(kind, key, value):
    os.makedirs(_path(kind), exist_ok=True)
    with open(_path(kind, key), "w") as f:
        f.write(str(value))


def log_param(key, value):
    _write("params", key, value)


def log_metric(key, value):
    _write("metrics", key, value)


def log_dict(dictionary, artifact_file):
    p = _path("artifacts", artifact_file)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        json.dump(dictionary, f)


from mlflow import pyfunc  # noqa: E402  (mlflow.pyfunc after "import mlflow", as in MLflow)
