# mlbuild check runner: runs one check inside the built image at build time and writes
# {"exit": N, "output": "...", "ran_at": UNIX-SECONDS} to /tmp/mlbuild-check/result.json. It
# always exits 0 itself, so the frontend can read the result and report the failure with its
# output and spec line. ran_at lets the frontend tell a failure of this build from one cached by
# an earlier build (the result never reaches an image, so the clock does not touch its digest).
import json
import os
import socket
import subprocess
import sys
import time

spec = json.loads(sys.argv[1])
MAX = 8000
OUT = "/tmp/mlbuild-check"
os.makedirs(OUT, exist_ok=True)


def text(b):
    return b.decode("utf-8", "replace")[-MAX:]


def last_lines(b, n=40):
    """The last n lines of the command's output, said so when there were more."""
    lines = text(b).rstrip("\n").split("\n")
    if len(lines) <= n:
        return "\n".join(lines)
    return "(last %d of %d lines)\n%s" % (n, len(lines), "\n".join(lines[-n:]))


def listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


result = {"exit": 0, "output": ""}
try:
    if spec["kind"] == "command":
        p = subprocess.run(spec["argv"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=spec["timeout"])
        result = {"exit": p.returncode, "output": text(p.stdout)}
    else:  # smoke: start the command, wait for the image's own healthcheck
        log = open(os.path.join(OUT, "server.log"), "w+b")
        srv = subprocess.Popen(spec["argv"], stdout=log, stderr=subprocess.STDOUT)
        start = time.time()
        deadline = start + spec["deadline"]
        probe_out, healthy = b"", False
        port = spec.get("port")
        while time.time() < deadline and srv.poll() is None:
            if port and not listening(port):
                time.sleep(0.02)  # the probe cannot pass before the port accepts connections
                continue
            try:
                p = subprocess.run(spec["probe"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=spec["probe_timeout"])
                probe_out = p.stdout
                if p.returncode == 0:
                    healthy = True
                    break
            except subprocess.TimeoutExpired:
                probe_out = b"healthcheck timed out"
            time.sleep(spec["interval"])
        code = srv.poll()
        if code is None and healthy:
            srv.kill()  # proven; a graceful shutdown would only add to the build time
            srv.wait()
        elif code is None:
            srv.terminate()
            try:
                srv.wait(10)
            except subprocess.TimeoutExpired:
                srv.kill()
        log.seek(0)
        server = last_lines(log.read())
        if healthy:
            result = {"exit": 0, "output": "healthy after %.1fs" % (time.time() - start)}
        elif code is not None:
            result = {"exit": 1, "output": "the command exited with code %d before the healthcheck passed\n--- the command's output ---\n%s" % (code, server)}
        else:
            result = {"exit": 1, "output": "the healthcheck did not pass within %.0fs\n--- last healthcheck output ---\n%s\n--- the command's output ---\n%s" % (spec["deadline"], text(probe_out), server)}
except Exception as e:  # a runner problem is a failed check, reported like one
    result = {"exit": 125, "output": "mlbuild check runner: %r" % (e,)}
result["ran_at"] = time.time()
with open(os.path.join(OUT, "result.json"), "w") as f:
    json.dump(result, f)
