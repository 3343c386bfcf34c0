"""A minimal in-tree PEP 517 build backend: a wheel of the mlbproj package, written with
zipfile. pyproject.toml names it with backend-path = ["."] and requires = [], so pip builds
the project without downloading anything."""
import base64
import hashlib
import os
import zipfile

NAME, VERSION = "mlbproj", "0.1.0"
DIST_INFO = f"{NAME}-{VERSION}.dist-info"
METADATA = f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\nRequires-Dist: mlb-core>=1.0,<1.1\n"
WHEEL = "Wheel-Version: 1.0\nGenerator: mlb_backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _sources():
    for d, dirs, files in os.walk(NAME):
        dirs[:] = sorted(x for x in dirs if x != "__pycache__")
        for f in sorted(files):
            if f.endswith(".py"):
                yield os.path.join(d, f)


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    os.makedirs(os.path.join(metadata_directory, DIST_INFO), exist_ok=True)
    for name, text in (("METADATA", METADATA), ("WHEEL", WHEEL)):
        with open(os.path.join(metadata_directory, DIST_INFO, name), "w") as f:
            f.write(text)
    return DIST_INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = f"{NAME}-{VERSION}-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as z:
        def add(arcname, data):
            z.writestr(zipfile.ZipInfo(arcname, (1980, 1, 1, 0, 0, 0)), data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arcname},sha256={digest},{len(data)}")
        for path in _sources():
            with open(path, "rb") as f:
                add(path.replace(os.sep, "/"), f.read())
        add(f"{DIST_INFO}/METADATA", METADATA.encode())
        add(f"{DIST_INFO}/WHEEL", WHEEL.encode())
        record.append(f"{DIST_INFO}/RECORD,,")
        z.writestr(zipfile.ZipInfo(f"{DIST_INFO}/RECORD", (1980, 1, 1, 0, 0, 0)), "\n".join(record) + "\n")
    return filename
