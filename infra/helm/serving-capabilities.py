"""Runs the serving supervisor's own code (infra/serving/supervisor.py) through one endpoint's life
under whatever capabilities this process holds, and prints what worked as JSON.

scripts/test-helm starts it as root under `setpriv --bounding-set=-all,+<caps> --no-new-privs`,
as the chart's container runs it (values.yaml, serving): with exactly the chart's capabilities
every step must work, and with any one of them removed some step must fail, so the list is
both enough and no longer than needed.

The supervisor is the real one: its download, launch (unshare, setpriv, prlimit, with the
cgroups out of reach as in a container, whose /sys/fs/cgroup is read-only), readiness, usage
and stop. What stands in: the model (SERVING_PYTHON is a small script that, run as
`-c <download>`, writes an MLmodel file, and run as `-m uvicorn --fd <socket>`, answers HTTP on
the socket it is handed saying what it sees of itself), and aiohttp's client (a few lines of HTTP over the
unix socket), since the supervisor's virtualenv is not built here.

Usage: python3 infra/helm/serving-capabilities.py   (as root; exit 0 when every step worked)
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Below every local stack's endpoint uids (61000 + the stack's port offset): scripts/test-helm kills
# what is left running as this uid after a run without KILL, and must touch nobody else's endpoint.
UID_BASE = int(os.environ.get("SERVING_CAPS_UID", "60000"))

FAKE_PYTHON = r'''#!/usr/bin/python3
import os, socket, sys
if sys.argv[1] == "-c":  # the download: <code> <models:/ uri> <destination>
    os.makedirs(sys.argv[-1]); open(os.path.join(sys.argv[-1], "MLmodel"), "w").write("flavors: {}\n")
    sys.exit(0)
fd = int(sys.argv[sys.argv.index("--fd") + 1])
status = {l.split(":")[0]: l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapBnd", "NoNewPrivs"))}
seen = {"uid": os.getuid(), "pid": os.getpid(), "processes": len([p for p in os.listdir("/proc") if p.isdigit()]),
        "interfaces": [l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]],
        "model_readable": os.access(os.environ["__pyfunc_model_path__"] + "/MLmodel", os.R_OK), **status}
s = socket.socket(fileno=fd)  # bound and listening: the supervisor's
while True:
    c, _ = s.accept(); c.recv(65536)
    body = repr(seen).encode()
    c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body)); c.close()
'''


class _Response:
    def __init__(self, status: int, body: bytes):
        self.status, self.body = status, body

    async def __aenter__(self):
        return self

    async def __aexit__(self, *_):
        return False


class _Get:
    def __init__(self, path: str, url: str):
        self.path, self.url = path, url

    async def __aenter__(self):
        reader, writer = await asyncio.open_unix_connection(self.path)
        writer.write(f"GET /{self.url.split('/', 3)[3]} HTTP/1.1\r\nhost: endpoint\r\nconnection: close\r\n\r\n".encode())
        raw = await reader.read()
        writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        return _Response(int(head.split()[1]), body)

    async def __aexit__(self, *_):
        return False


class _Session:
    def __init__(self, connector, timeout=None):
        self.path = connector.path

    def get(self, url, timeout=None):
        return _Get(self.path, url)

    async def close(self):
        pass


def load_supervisor():
    fake = types.ModuleType("aiohttp")
    fake.ClientSession = _Session
    fake.ClientTimeout = lambda **kw: kw
    fake.UnixConnector = lambda path, **_: types.SimpleNamespace(path=path)
    fake.web = types.SimpleNamespace()
    sys.modules["aiohttp"] = fake
    spec = importlib.util.spec_from_file_location("supervisor", REPO / "infra/serving/supervisor.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["supervisor"] = module
    spec.loader.exec_module(module)
    return module


async def main() -> int:
    sup_mod = load_supervisor()
    work = Path(tempfile.mkdtemp(prefix="mlflow-hub-serving-caps-"))
    os.chmod(work, 0o755)
    python = work / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    # A container's cgroup filesystem is read-only: the supervisor falls back to prlimit.
    sup_mod.CGROUP_ROOT = work / "no-cgroups"
    os.environ.update({"SERVING_TOKEN": "t" * 32, "SERVING_HUB_URL": "http://hub.invalid:3000", "SERVING_DATA_DIR": str(work / "data"), "SERVING_PYTHON": str(python), "SERVING_UID_BASE": str(UID_BASE), "SERVING_START_TIMEOUT": "15"})
    steps: dict[str, str] = {}
    seen: dict = {}
    sup = sup_mod.Supervisor(sup_mod.Settings.from_env())

    async def step(name, coro):
        try:
            await coro
            steps[name] = "ok"
            return True
        except BaseException as e:  # noqa: BLE001 - each failure is reported
            steps[name] = f"{type(e).__name__}: {e}"[:300]
            return False

    async def run_instance():
        inst = sup_mod.Instance(id="probe", project_id=1, model="m", version="1", uid=sup.free_uid(), dir=sup.instances_dir / "probe", log_path=sup.logs_dir / "probe.log", socket=sup.sockets_dir / "probe.sock")
        sup.instances[inst.id] = inst
        if not await step("download (chown to the endpoint's uid)", sup.download(inst, "grant")):
            return
        if not await step("launch (unshare, setpriv, prlimit)", sup.launch(inst)):
            return
        if not await step("ready (the supervisor reaches the endpoint's socket)", sup.wait_ready(inst)):
            steps["log"] = " | ".join(inst.log_tail()[-3:])
            return
        async with inst.session.get("http://endpoint/ping") as r:
            seen.update(eval(r.body.decode()))  # noqa: S307 - our own fake's repr of a dict
        await step("stop (the endpoint's processes killed, its directory removed)", sup.stop(inst.id))
        def alive() -> list[str]:  # the endpoint's processes, less those already dead and not yet reaped
            out = []
            for p in os.listdir("/proc"):
                try:
                    if p.isdigit() and os.stat(f"/proc/{p}").st_uid == inst.uid and Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                        out.append(p)
                except OSError:
                    pass
            return out

        for _ in range(30):  # SIGKILL is sent; death is not instant
            left = alive()
            if not left:
                break
            await asyncio.sleep(0.1)
        if left or inst.dir.exists():
            steps["stop (the endpoint's processes killed, its directory removed)"] = f"left behind: processes {left}, directory {inst.dir.exists()}"

    try:
        await step("prepare", asyncio.to_thread(sup.prepare))
        if steps["prepare"] == "ok":
            await run_instance()
    finally:
        await sup.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    isolated = bool(seen) and seen["uid"] == UID_BASE and seen["processes"] <= 3 and seen["interfaces"] == ["lo"] and int(seen["CapEff"], 16) == 0 and int(seen["CapBnd"], 16) == 0 and seen["NoNewPrivs"] == "1" and seen["model_readable"]
    steps["endpoint isolated (own uid, pid and network namespaces, no capabilities, empty bounding set, no_new_privs)"] = "ok" if isolated else f"no: {seen}"
    print(json.dumps({"steps": steps, "endpoint": seen}, indent=1))
    return 0 if all(v == "ok" for k, v in steps.items() if k != "log") else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
