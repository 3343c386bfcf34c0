"""Runs a built image's command inside BuildKit the way a container runtime would, and reports.

argv[1] is JSON: {"config": <image config>, "mode": "train"|"serve"|"exec", "args": [...],
"read": [paths]}. The report goes to /tmp/mlbuild-test-report.json; this script always exits 0
so the report can be read even when the image misbehaves.
"""
import base64
import json
import subprocess
import sys
import time
import urllib.request

spec = json.loads(sys.argv[1])
cfg, mode = spec["config"], spec["mode"]
cmd = (cfg.get("Entrypoint") or []) + (cfg.get("Cmd") or [])
report = {"files": {}}


def run(argv, timeout):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout[-6000:], p.stderr[-6000:]


def http(method, url, body=None):
    req = urllib.request.Request(url, data=body, method=method, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, {"error": e.read().decode(errors="replace")}


try:
    if mode == "train":
        report["exit"], report["stdout"], report["stderr"] = run(cmd, 600)
    elif mode == "exec":
        report["exit"], report["stdout"], report["stderr"] = run(spec["args"], 600)
    elif mode == "serve":
        log = open("/tmp/mlbuild-test-server.log", "w")
        srv = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        test = cfg["Healthcheck"]["Test"]
        probe = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
        code, deadline = -1, time.time() + 90
        while time.time() < deadline and srv.poll() is None:
            code = subprocess.run(probe, capture_output=True).returncode
            if code == 0:
                break
            time.sleep(0.5)
        report["healthcheck_exit"] = code
        port = next(iter(cfg.get("ExposedPorts") or {"8000/tcp": 0})).split("/")[0]
        if code == 0:
            report["health_status"], report["health"] = http("GET", f"http://127.0.0.1:{port}/health")
            _, report["predict"] = http("POST", f"http://127.0.0.1:{port}/predict",
                                        json.dumps({"instances": [[0.1, 0.2, 0.3, 0.4]]}).encode())
        srv.terminate()
        try:
            srv.wait(10)
        except subprocess.TimeoutExpired:
            srv.kill()
        log.close()
        report["server_log"] = open("/tmp/mlbuild-test-server.log").read()[-6000:]
    for path in spec.get("read") or []:
        try:
            if path.startswith("base64:"):  # a binary file (a pickled model), as base64
                report["files"][path] = base64.b64encode(open(path[len("base64:"):], "rb").read()).decode()
            else:
                report["files"][path] = open(path).read()
        except OSError as e:
            report["files"][path] = "ERROR: " + str(e)
except Exception as e:  # report, never crash: the test reads the report
    report["error"] = repr(e)

with open("/tmp/mlbuild-test-report.json", "w") as f:
    json.dump(report, f)
