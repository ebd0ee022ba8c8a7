"""The serving runtime's supervisor: runs registered model versions as MLflow scoring servers.

It holds no hub, database, S3 or GitLab credential. The hub asks it (with SERVING_TOKEN) to run
an instance of one model version of one project and hands it a short-lived, read-only grant for
that project; the supervisor downloads the model through the hub's gateway with it, then starts
MLflow's own scoring server (`mlflow.pyfunc.scoring_server`, what `mlflow models serve
--env-manager local` runs) without it. The model's code is untrusted, so each instance runs:

- under its own unprivileged uid (from SERVING_UID_BASE), in its own 0700 directory and TMPDIR,
  with a clean environment (nothing of the supervisor's);
- in network, pid and mount namespaces of its own (`unshare --net --pid --mount-proc`: only a
  loopback that is down, no other process in sight), serving on a unix socket the supervisor
  binds itself in a directory of root's alone and hands over as a file descriptor (the model
  can neither reach another endpoint's socket nor put another socket in place of its own);
- in a memory and a CPU cgroup (v1, where writable), or under prlimit's address-space limit.

Invocations reach an instance through a tunnel: the hub opens a connection with `CONNECT
/instances/<id>` and this process's token, and from then on speaks HTTP to the scoring server
itself while this process only copies bytes (no second HTTP stack on the invocation's path; the
token never reaches the model). Every other connection is the control API's (aiohttp).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, UnixConnector, web

log = logging.getLogger("serving")

INSTANCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# A model name as MLflow allows it (no '/' or ':'), and a version number.
MODEL_NAME = re.compile(r"^[^/:\x00-\x1f]{1,256}$")
LOG_TAIL_LINES = 30
# Namespaces of each endpoint: a network of its own (a loopback that is down), and its own process
# tree with its own /proc, so it sees no other process (nor the command lines and environments of
# the hub's services).
ISOLATE = ["unshare", "--net", "--pid", "--fork", "--mount", "--mount-proc"]
CGROUP_ROOT = Path("/sys/fs/cgroup")


def setting(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, "") or default
    if value is None:
        sys.exit(f"{name} is required")
    return value


@dataclass
class Settings:
    token: str
    hub_url: str
    host: str
    port: int
    data_dir: Path
    uid_base: int
    uid_count: int
    memory_mb: int
    cpus: float
    start_timeout: float
    python: str
    network_isolation: str

    @classmethod
    def from_env(cls) -> "Settings":
        token = setting("SERVING_TOKEN")
        if len(token) < 32:
            sys.exit("SERVING_TOKEN must be at least 32 characters")
        s = cls(
            token=token,
            hub_url=setting("SERVING_HUB_URL").rstrip("/"),
            host=setting("SERVING_HOST", "127.0.0.1"),
            port=int(setting("SERVING_PORT", "5002")),
            data_dir=Path(setting("SERVING_DATA_DIR", "/var/lib/mlflow-serving")),
            uid_base=int(setting("SERVING_UID_BASE", "61000")),
            uid_count=int(setting("SERVING_UID_COUNT", "1000")),
            memory_mb=int(setting("SERVING_MEMORY_MB", "1024")),
            cpus=float(setting("SERVING_CPUS", "1")),
            start_timeout=float(setting("SERVING_START_TIMEOUT", "180")),
            python=setting("SERVING_PYTHON", sys.executable),
            network_isolation=setting("SERVING_NETWORK_ISOLATION", "required"),
        )
        if s.network_isolation not in ("required", "best-effort"):
            sys.exit("SERVING_NETWORK_ISOLATION must be required or best-effort")
        if s.uid_base < 1000 or s.uid_count < 1:
            sys.exit("SERVING_UID_BASE must be 1000 or more, SERVING_UID_COUNT at least 1")
        return s


@dataclass
class Instance:
    id: str
    project_id: int
    model: str
    version: str
    uid: int
    dir: Path
    log_path: Path
    # Bound by the supervisor in its sockets folder (root's, 0700), never in the instance's own.
    socket: Path
    state: str = "starting"
    error: str | None = None
    pid: int | None = None
    process: asyncio.subprocess.Process | None = None
    started_at: float = field(default_factory=time.time)
    ready_at: float | None = None
    limits: str = ""
    task: asyncio.Task | None = None
    session: ClientSession | None = None

    def log_tail(self) -> list[str]:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 16384))
                return f.read().decode("utf-8", "replace").splitlines()[-LOG_TAIL_LINES:]
        except OSError:
            return []

    def usage(self) -> dict:
        """Memory (bytes) and CPU time (seconds) of the instance's processes."""
        memory = read_int(CGROUP_ROOT / "memory" / cgroup_name(self.id) / "memory.usage_in_bytes")
        # The instance's own uid runs its processes and nothing else (the unshare wrapper, root's,
        # uses no CPU to speak of): their CPU time, and their resident memory without a cgroup.
        cpu_ticks = 0
        rss = 0
        seen = False
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid != self.uid:
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cpu_ticks += int(fields[11]) + int(fields[12])
                rss += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
                seen = True
            except (OSError, IndexError, ValueError):
                pass
        cpu = cpu_ticks / os.sysconf("SC_CLK_TCK") if seen else None
        if memory is None and seen:
            memory = rss
        return {"memory_bytes": memory, "cpu_seconds": cpu}

    def view(self) -> dict:
        return {
            "id": self.id,
            "project_id": self.project_id,
            "model": self.model,
            "version": self.version,
            "state": self.state,
            "error": self.error,
            "started_at": self.started_at,
            "ready_at": self.ready_at,
            "limits": self.limits,
            "log": self.log_tail() if self.state in ("starting", "failed") else [],
            **(self.usage() if self.state == "ready" else {"memory_bytes": None, "cpu_seconds": None}),
        }


def read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


# Set by the supervisor to carry its uid range: a runtime clears its own stale cgroups at start,
# never those of another runtime on the same machine (another stack's, with uids of its own).
CGROUP_PREFIX = "mlflow-serving-"


def cgroup_name(instance_id: str) -> str:
    return f"{CGROUP_PREFIX}{instance_id}"


class Supervisor:
    def __init__(self, s: Settings):
        self.s = s
        self.instances: dict[str, Instance] = {}
        self.instances_dir = s.data_dir / "instances"
        self.logs_dir = s.data_dir / "logs"
        self.staging_dir = s.data_dir / "staging"
        self.sockets_dir = s.data_dir / "sockets"
        global CGROUP_PREFIX
        CGROUP_PREFIX = f"mlflow-serving-{s.uid_base}-"

    def prepare(self):
        if os.geteuid() != 0:
            sys.exit("the serving supervisor runs as root: it starts each model under an unprivileged uid of its own")
        # The root is traversable (each instance reaches its own directory) but not listable;
        # logs and downloads in progress are root's alone.
        self.s.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.s.data_dir, 0o711)
        for d in (self.instances_dir, self.logs_dir, self.staging_dir, self.sockets_dir):
            if d.exists():
                shutil.rmtree(d)
            d.mkdir(mode=0o700)
        os.chmod(self.instances_dir, 0o711)
        for controller in ("memory", "cpu"):
            for stale in (CGROUP_ROOT / controller).glob(f"{CGROUP_PREFIX}*"):
                kill_cgroup(stale)

    def free_uid(self) -> int:
        used = {i.uid for i in self.instances.values()}
        for uid in range(self.s.uid_base, self.s.uid_base + self.s.uid_count):
            if uid not in used:
                return uid
        raise web.HTTPServiceUnavailable(text=json.dumps({"error_code": "RESOURCE_EXHAUSTED", "message": "no free uid for another endpoint"}), content_type="application/json")

    async def start(self, instance_id: str, project_id: int, model: str, version: str, grant: str) -> Instance:
        existing = self.instances.get(instance_id)
        if existing and existing.state in ("starting", "ready"):
            return existing
        if existing:
            await self.stop(instance_id)
        uid = self.free_uid()
        inst = Instance(id=instance_id, project_id=project_id, model=model, version=version, uid=uid, dir=self.instances_dir / instance_id, log_path=self.logs_dir / f"{instance_id}.log", socket=self.sockets_dir / f"{instance_id}.sock")
        self.instances[instance_id] = inst
        inst.task = asyncio.create_task(self.run(inst, grant))
        return inst

    async def run(self, inst: Instance, grant: str):
        try:
            await self.download(inst, grant)
            await self.launch(inst)
            await self.wait_ready(inst)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # noqa: BLE001 - every failure becomes the instance's state
            inst.state = "failed"
            inst.error = str(e)[:500]
            log.warning("instance %s failed: %s", inst.id, inst.error)
            await self.end_process(inst)

    async def download(self, inst: Instance, grant: str):
        """models:/<name>/<version> through the hub's gateway, with the grant, in a process of its own."""
        staging = self.staging_dir / inst.id
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(staging),
            "MLFLOW_TRACKING_URI": f"{self.s.hub_url}/mlflow/{inst.project_id}/tracking/",
            "MLFLOW_TRACKING_TOKEN": grant,
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
        }
        code = "import sys, mlflow.artifacts as a; a.download_artifacts(artifact_uri=sys.argv[1], dst_path=sys.argv[2])"
        with open(inst.log_path, "ab") as out:
            out.write(f"downloading models:/{inst.model}/{inst.version} through the hub\n".encode())
            out.flush()
            proc = await asyncio.create_subprocess_exec(self.s.python, "-c", code, f"models:/{inst.model}/{inst.version}", str(staging / "model"), env=env, stdout=out, stderr=out, cwd=staging)
            rc = await proc.wait()
        if rc != 0:
            raise RuntimeError(f"the model could not be downloaded through the hub (exit {rc})")
        if not (staging / "model" / "MLmodel").exists():
            raise RuntimeError("the downloaded model has no MLmodel file")
        inst.dir.mkdir(mode=0o700)
        (staging / "model").rename(inst.dir / "model")
        (inst.dir / "tmp").mkdir(mode=0o700)
        shutil.rmtree(staging, ignore_errors=True)
        for root, dirs, files in os.walk(inst.dir):
            os.chown(root, inst.uid, inst.uid)
            for name in files:
                os.chown(os.path.join(root, name), inst.uid, inst.uid, follow_symlinks=False)

    def cgroups(self, inst: Instance) -> list[Path]:
        """Memory and CPU cgroups (v1) for the instance, where this machine lets us make them."""
        made = []
        limits = []
        memory = CGROUP_ROOT / "memory" / cgroup_name(inst.id)
        cpu = CGROUP_ROOT / "cpu" / cgroup_name(inst.id)
        try:
            memory.mkdir(exist_ok=True)
            (memory / "memory.limit_in_bytes").write_text(str(self.s.memory_mb * 1024 * 1024))
            made.append(memory)
            limits.append(f"memory cgroup {self.s.memory_mb} MiB")
        except OSError:
            pass
        try:
            cpu.mkdir(exist_ok=True)
            period = 100_000
            (cpu / "cpu.cfs_period_us").write_text(str(period))
            (cpu / "cpu.cfs_quota_us").write_text(str(int(period * self.s.cpus)))
            made.append(cpu)
            limits.append(f"cpu cgroup {self.s.cpus:g} CPU")
        except OSError:
            pass
        inst.limits = ", ".join(limits)
        return made

    async def launch(self, inst: Instance):
        groups = self.cgroups(inst)
        env = {
            "PATH": f"{Path(self.s.python).parent}:/usr/bin:/bin",
            "HOME": str(inst.dir / "tmp"),
            "TMPDIR": str(inst.dir / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "DO_NOT_TRACK": "true",
            # What mlflow.pyfunc.scoring_server.get_cmd sets for `mlflow models serve`.
            "__pyfunc_model_path__": str(inst.dir / "model"),
            "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT": "60",
        }
        # Idle connections live 30 s at the scoring server, 20 s in our pool (wait_ready): the pool drops
        # one before the server can close it under a request (uvicorn's default is 5 s, aiohttp's 15).
        # The listening socket is bound here, as root, in the sockets folder the model cannot enter,
        # and passed down as a descriptor (uvicorn --fd): had the model its socket file in its own
        # folder, it could replace it with a link to another endpoint's, which root would follow.
        inst.socket.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(inst.socket))
        os.chmod(inst.socket, 0o600)
        listener.listen(128)
        serve = [self.s.python, "-m", "uvicorn", "--fd", str(listener.fileno()), "--no-access-log", "--timeout-keep-alive", "30", "mlflow.pyfunc.scoring_server.app:app"]
        drop = ["setpriv", f"--reuid={inst.uid}", f"--regid={inst.uid}", "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]
        limits = []
        memory_limited = any(g.parent.name == "memory" for g in groups)
        if not memory_limited:
            limits = ["prlimit", f"--as={self.s.memory_mb * 1024 * 1024 * 4}", "--"]
            inst.limits = ", ".join(filter(None, [inst.limits, f"prlimit address space {self.s.memory_mb * 4} MiB"]))
        isolate = [*ISOLATE, "--"] if await self.can_unshare() else []
        if not isolate:
            inst.limits += ", NO network isolation"
        command = [*isolate, *drop, *limits, *serve]

        def join_cgroups():
            for g in groups:
                (g / "cgroup.procs").write_text(str(os.getpid()))

        out = open(inst.log_path, "ab")
        out.write(f"starting MLflow's scoring server as uid {inst.uid} ({inst.limits})\n".encode())
        out.flush()
        try:
            inst.process = await asyncio.create_subprocess_exec(*command, env=env, cwd=inst.dir / "tmp", stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True, preexec_fn=join_cgroups, pass_fds=(listener.fileno(),))
        finally:
            out.close()
            listener.close()
        inst.pid = inst.process.pid

    _unshare_ok: bool | None = None

    async def can_unshare(self) -> bool:
        if Supervisor._unshare_ok is None:
            proc = await asyncio.create_subprocess_exec(*ISOLATE, "true", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            Supervisor._unshare_ok = await proc.wait() == 0
            if not Supervisor._unshare_ok:
                if self.s.network_isolation == "required":
                    raise RuntimeError(f"this machine does not allow namespaces ({' '.join(ISOLATE)}), and SERVING_NETWORK_ISOLATION is required")
                log.warning("namespaces are not allowed here (%s): endpoints run WITHOUT network and process isolation (SERVING_NETWORK_ISOLATION=best-effort)", " ".join(ISOLATE))
        return Supervisor._unshare_ok

    async def wait_ready(self, inst: Instance):
        deadline = time.monotonic() + self.s.start_timeout
        inst.session = ClientSession(connector=UnixConnector(path=str(inst.socket), keepalive_timeout=20), timeout=ClientTimeout(total=None, sock_read=120))
        while time.monotonic() < deadline:
            if inst.process and inst.process.returncode is not None:
                raise RuntimeError(f"the scoring server exited with code {inst.process.returncode} while loading the model")
            if inst.socket.exists():
                try:
                    async with inst.session.get("http://endpoint/ping", timeout=ClientTimeout(total=5)) as r:
                        if r.status == 200:
                            inst.state = "ready"
                            inst.ready_at = time.time()
                            log.info("instance %s ready (models:/%s/%s)", inst.id, inst.model, inst.version)
                            asyncio.create_task(self.watch(inst))
                            return
                except OSError:
                    pass
                except asyncio.TimeoutError:
                    pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the scoring server was not ready after {self.s.start_timeout:g} s")

    async def watch(self, inst: Instance):
        """A ready instance whose process ends has failed."""
        rc = await inst.process.wait()
        if self.instances.get(inst.id) is inst and inst.state == "ready":
            inst.state = "failed"
            inst.error = f"the scoring server exited with code {rc}"
            log.warning("instance %s: %s", inst.id, inst.error)
            await self.end_process(inst)

    async def end_process(self, inst: Instance):
        if inst.process and inst.process.returncode is None:
            try:
                os.killpg(inst.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                await asyncio.wait_for(inst.process.wait(), 5)
            except asyncio.TimeoutError:
                pass
        # Whatever the model forked, in any process group: its cgroup knows it; its uid does too.
        for controller in ("memory", "cpu"):
            kill_cgroup(CGROUP_ROOT / controller / cgroup_name(inst.id))
        kill_uid(inst.uid)
        if inst.session:
            await inst.session.close()
            inst.session = None

    async def stop(self, instance_id: str) -> bool:
        inst = self.instances.pop(instance_id, None)
        if not inst:
            return False
        if inst.task and not inst.task.done():
            inst.task.cancel()
        await self.end_process(inst)
        shutil.rmtree(inst.dir, ignore_errors=True)
        shutil.rmtree(self.staging_dir / inst.id, ignore_errors=True)
        inst.socket.unlink(missing_ok=True)
        try:
            inst.log_path.unlink()
        except OSError:
            pass
        log.info("instance %s stopped", instance_id)
        return True

    async def stop_all(self):
        for instance_id in list(self.instances):
            await self.stop(instance_id)


def kill_cgroup(group: Path):
    if not group.exists():
        return
    for _ in range(50):
        try:
            pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
        except OSError:
            pids = []
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
    try:
        group.rmdir()
    except OSError:
        pass


def kill_uid(uid: int):
    """Every process still running as the instance's uid (one of the supervisor's own range)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


# What a connection may send before its request head is complete, and how long it may take.
HEAD_LIMIT = 16 * 1024
HEAD_TIMEOUT = 30
REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 503: "Service Unavailable"}


def raw_error(status: int, code: str, message: str, extra: str = "") -> bytes:
    body = json.dumps({"error_code": code, "message": message}).encode()
    head = f"HTTP/1.1 {status} {REASONS[status]}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\nconnection: close\r\n{extra}\r\n"
    return head.encode() + body


class Pipe(asyncio.Protocol):
    """One side of a tunnel: writes what its transport reads to the other side, with backpressure."""

    def __init__(self, peer: asyncio.Transport):
        self.peer = peer

    def data_received(self, data: bytes):
        self.peer.write(data)

    def eof_received(self):
        self.peer.close()

    def connection_lost(self, _exc):
        self.peer.close()

    # Our transport's buffer is full of what the other side sent: stop reading the other side.
    def pause_writing(self):
        self.peer.pause_reading()

    def resume_writing(self):
        self.peer.resume_reading()


class Front(asyncio.Protocol):
    """A connection to SERVING_PORT until its first request head decides what it is: a tunnel to an
    instance (`CONNECT /instances/<id>` with the hub's token), or the control API's (handed to aiohttp
    as it is, the bytes read so far included)."""

    def __init__(self, sup: "Supervisor", control: web.Server):
        self.sup = sup
        self.control = control
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport):
        self.transport = transport
        self.timer = asyncio.get_running_loop().call_later(HEAD_TIMEOUT, transport.close)

    def data_received(self, data: bytes):
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > HEAD_LIMIT:
                self.refuse(400, "INVALID_PARAMETER_VALUE", "request head too large")
            return
        self.timer.cancel()
        if self.buf.startswith(b"CONNECT "):
            self.transport.pause_reading()
            asyncio.ensure_future(self.tunnel(bytes(self.buf[: end + 4]), bytes(self.buf[end + 4 :])))
            return
        handler = self.control()
        self.transport.set_protocol(handler)
        handler.connection_made(self.transport)
        handler.data_received(bytes(self.buf))

    def connection_lost(self, _exc):
        if self.timer:
            self.timer.cancel()

    def refuse(self, status: int, code: str, message: str, extra: str = ""):
        self.transport.write(raw_error(status, code, message, extra))
        self.transport.close()

    async def tunnel(self, head: bytes, rest: bytes):
        lines = head[:-4].split(b"\r\n")
        target = lines[0].split(b" ")
        auth = [v.strip() for n, _, v in (h.partition(b":") for h in lines[1:]) if n.strip().lower() == b"authorization"]
        # Exactly one credential, the hub's: a second one is not guessed between.
        if len(auth) != 1 or not hmac.compare_digest(auth[0], f"Bearer {self.sup.s.token}".encode()):
            return self.refuse(401, "UNAUTHENTICATED", "the serving supervisor answers the hub only")
        m = re.fullmatch(rb"/instances/([a-z0-9][a-z0-9-]{0,62})", target[1]) if len(target) == 3 and target[2] == b"HTTP/1.1" else None
        inst = self.sup.instances.get(m.group(1).decode()) if m else None
        if not inst:
            return self.refuse(404, "RESOURCE_DOES_NOT_EXIST", "no such endpoint")
        if inst.state != "ready":
            return self.refuse(503, "TEMPORARILY_UNAVAILABLE", f"the endpoint is {inst.state}", "retry-after: 2\r\n")
        loop = asyncio.get_running_loop()
        try:
            upstream, _ = await loop.create_unix_connection(lambda: Pipe(self.transport), str(inst.socket))
        except OSError:
            return self.refuse(503, "TEMPORARILY_UNAVAILABLE", "the endpoint did not answer", "retry-after: 2\r\n")
        if self.transport.is_closing():
            upstream.close()
            return
        self.transport.set_protocol(Pipe(upstream))
        self.transport.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if rest:
            upstream.write(rest)
        self.transport.resume_reading()


def error(status: int, code: str, message: str, headers: dict | None = None) -> web.Response:
    return web.json_response({"error_code": code, "message": message}, status=status, headers=headers)


def make_app(sup: Supervisor) -> web.Application:
    expected = f"Bearer {sup.s.token}".encode()

    @web.middleware
    async def authenticated(request: web.Request, handler):
        if request.path == "/health":
            return await handler(request)
        if not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
            return error(401, "UNAUTHENTICATED", "the serving supervisor answers the hub only")
        return await handler(request)

    async def health(_request):
        return web.json_response({"status": "ok", "instances": len(sup.instances)})

    async def list_instances(_request):
        return web.json_response({"instances": [i.view() for i in sup.instances.values()]})

    def instance_id(request) -> str:
        value = request.match_info["id"]
        if not INSTANCE_ID.match(value):
            raise web.HTTPNotFound(text=json.dumps({"error_code": "ENDPOINT_NOT_FOUND", "message": "no such instance"}), content_type="application/json")
        return value

    async def put_instance(request):
        iid = instance_id(request)
        try:
            body = await request.json()
            project_id = int(body["project_id"])
            model = str(body["model"])
            version = str(body["version"])
            grant = str(body["grant"])
        except (ValueError, KeyError, TypeError):
            return error(400, "INVALID_PARAMETER_VALUE", "project_id, model, version and grant are required")
        if project_id < 1 or not MODEL_NAME.match(model) or not version.isdigit():
            return error(400, "INVALID_PARAMETER_VALUE", "bad project id, model name or version")
        inst = await sup.start(iid, project_id, model, version, grant)
        return web.json_response(inst.view(), status=202)

    async def get_instance(request):
        inst = sup.instances.get(instance_id(request))
        if not inst:
            return error(404, "RESOURCE_DOES_NOT_EXIST", "no such instance")
        return web.json_response(inst.view())

    async def delete_instance(request):
        stopped = await sup.stop(instance_id(request))
        return web.json_response({"stopped": stopped})

    app = web.Application(middlewares=[authenticated], client_max_size=1024**3)
    app.router.add_get("/health", health)
    app.router.add_get("/instances", list_instances)
    app.router.add_put("/instances/{id}", put_instance)
    app.router.add_get("/instances/{id}", get_instance)
    app.router.add_delete("/instances/{id}", delete_instance)

    async def on_cleanup(_app):
        await sup.stop_all()

    app.on_cleanup.append(on_cleanup)
    return app


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    s = Settings.from_env()
    sup = Supervisor(s)
    sup.prepare()
    log.info("serving supervisor on %s:%d, instances in %s, hub at %s", s.host, s.port, s.data_dir, s.hub_url)
    asyncio.run(serve(sup))


async def serve(sup: Supervisor):
    runner = web.AppRunner(make_app(sup), access_log=None)
    await runner.setup()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Front(sup, runner.server), sup.s.host, sup.s.port)
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    try:
        await stopping.wait()
    finally:
        server.close()
        await runner.cleanup()


if __name__ == "__main__":
    main()
