"""What an image's Python sees, as JSON on stdout (run as `python -c SCRIPT MODULE...`).

dists: every distribution installed in the interpreter's own site-packages (the venv's,
not the base image's system packages), by name: version, direct_url.json, INSTALLER.
pth: the .pth files there and their contents. modules: for each module named in argv,
its __file__ and its __version__, VALUE and ARCH when it has them (or the import error).
"""
import importlib
import importlib.metadata as md
import json
import os
import sys
import sysconfig

site = sysconfig.get_paths()["purelib"]
report = {"prefix": sys.prefix, "executable": sys.executable, "site": site, "dists": {}, "pth": {}, "modules": {}}
for d in md.distributions(path=[site]):
    report["dists"][d.metadata["Name"]] = {
        "version": d.version,
        "direct_url": d.read_text("direct_url.json"),
        "installer": (d.read_text("INSTALLER") or "").strip(),
    }
for f in sorted(os.listdir(site)):
    if f.endswith(".pth"):
        with open(os.path.join(site, f)) as fh:
            report["pth"][f] = fh.read()
for name in sys.argv[1:]:
    try:
        mod = importlib.import_module(name)
    except Exception as e:  # reported, not raised: the test says what is missing
        report["modules"][name] = {"error": repr(e)}
        continue
    info = {"file": getattr(mod, "__file__", None)}
    for attr in ("__version__", "VALUE", "ARCH"):
        if hasattr(mod, attr):
            info[attr] = getattr(mod, attr)
    report["modules"][name] = info
print(json.dumps(report, sort_keys=True))
