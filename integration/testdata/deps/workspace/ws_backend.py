"""A minimal in-tree PEP 517 backend for a workspace member: a wheel of the package named by
the pyproject.toml beside it (its name with "-" as "_"), written with zipfile. The test copies
it into each member's directory, which names it with backend-path = ["."] and requires = []."""
import base64
import hashlib
import os
import re
import zipfile

with open("pyproject.toml") as _f:
    _PYPROJECT = _f.read()
NAME = re.search(r'^name = "([^"]+)"', _PYPROJECT, re.M).group(1)
VERSION = re.search(r'^version = "([^"]+)"', _PYPROJECT, re.M).group(1)
REQUIRES = re.findall(r'"([^"]+)"', re.search(r"^dependencies = \[(.*)\]", _PYPROJECT, re.M).group(1))
MODULE = NAME.replace("-", "_")
DIST_INFO = f"{MODULE}-{VERSION}.dist-info"
METADATA = f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n" + "".join(f"Requires-Dist: {r}\n" for r in REQUIRES)
WHEEL = "Wheel-Version: 1.0\nGenerator: ws_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    os.makedirs(os.path.join(metadata_directory, DIST_INFO), exist_ok=True)
    for name, text in (("METADATA", METADATA), ("WHEEL", WHEEL)):
        with open(os.path.join(metadata_directory, DIST_INFO, name), "w") as f:
            f.write(text)
    return DIST_INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = f"{MODULE}-{VERSION}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname, data):
            z.writestr(zipfile.ZipInfo(arcname, (1980, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arcname},sha256={digest},{len(data)}")
        for d, dirs, files in os.walk(MODULE):
            dirs[:] = sorted(x for x in dirs if x != "__pycache__")
            for f in sorted(files):
                if f.endswith(".py"):
                    path = os.path.join(d, f)
                    with open(path, "rb") as src:
                        add(path.replace(os.sep, "/"), src.read())
        add(f"{DIST_INFO}/METADATA", METADATA.encode())
        add(f"{DIST_INFO}/WHEEL", WHEEL.encode())
        record.append(f"{DIST_INFO}/RECORD,,")
        z.writestr(zipfile.ZipInfo(f"{DIST_INFO}/RECORD", (1980, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
    return filename
