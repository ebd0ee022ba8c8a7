"""A served model's code is untrusted (a pickle, or models-from-code, runs arbitrary Python). These
tests deploy a deliberately malicious model (serving_models/probe.py) beside an ordinary one and show
it gets nothing: no credential in its environment, no other process in sight, none of the stack's
files (the hub's and MLflow's database, MinIO's objects, the other endpoint's model, the secrets),
no connection to Postgres, MinIO, MLflow, the hub, GitLab, the serving runtime or the internet; and a
model that crashes at load shows `failed` with its log while the others keep answering."""

import json
import os
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import mlflow
import numpy as np
import pandas as pd
import pytest
import requests
from sklearn.linear_model import LinearRegression

HUB = os.environ.get("AUTH_URL", "")
PROJECT = "ml-team/flood-detection"
BOB = "glpat-bob-demo"
HERE = Path(__file__).parent
STATE = Path(os.environ.get("LOCAL_STATE_DIR", "/nonexistent"))
# Read now: conftest's fixtures clear MLFLOW_* from the environment for every test.
STACK = dict(os.environ)
# scripts/test-appliance names its compose project: the runtime is then the compose service
# `serving`, its data in the container's /var/lib/mlflow-serving, the stack's other services
# containers of their own that the runtime's network does not even hold.
APPLIANCE = os.environ.get("APPLIANCE_PROJECT", "")
SERVING_DIR = Path("/var/lib/mlflow-serving") if APPLIANCE else STATE / "serving"


def container(service: str) -> str:
    """The id of the appliance's container of that compose service."""
    ids = subprocess.run(["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={APPLIANCE}", "--filter", f"label=com.docker.compose.service={service}"], check=True, capture_output=True, text=True).stdout.split()
    assert len(ids) == 1, f"{service}: {ids}"
    return ids[0]


def address_on(service: str, network: str) -> str:
    fmt = "{{ (index .NetworkSettings.Networks \"%s_%s\").IPAddress }}" % (APPLIANCE, network)
    return subprocess.run(["docker", "inspect", "-f", fmt, container(service)], check=True, capture_output=True, text=True).stdout.strip()


def call(method: str, path: str, **kw) -> requests.Response:
    return requests.request(method, f"{HUB}/mlflow/{PROJECT}/serving/{path}", headers={"authorization": f"Bearer {BOB}"}, timeout=120, **kw)


def wait_for(name: str, ref: str, states: set[str], timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = call("GET", f"{name}/{ref}").json()
        if view["state"] in states:
            return view
        time.sleep(1)
    pytest.fail(f"{name}/{ref} did not reach {states}: {view}")


def port_of(url: str) -> int:
    return urlparse(url).port


@pytest.fixture(scope="module")
def deployed():
    """An ordinary sklearn endpoint (the victim), the probe, and the crashing model, all in one project."""
    if not HUB:
        pytest.fail("AUTH_URL is not set: run this suite through scripts/test, which starts the stack")
    os.environ["MLFLOW_TRACKING_TOKEN"] = BOB
    mlflow.set_tracking_uri(f"{HUB}/mlflow/{PROJECT}/tracking/")
    suffix = os.urandom(4).hex()
    names = {k: f"{k}-{suffix}" for k in ("victim", "probe", "crash")}
    mlflow.set_experiment(f"serving-isolation-{suffix}")
    with mlflow.start_run():
        x = pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=["a", "b", "c"])
        mlflow.sklearn.log_model(LinearRegression().fit(x, [1.0, 2.0, 3.0, 4.0]), name="model", registered_model_name=names["victim"])
        mlflow.pyfunc.log_model(name="probe", python_model=str(HERE / "serving_models" / "probe.py"), registered_model_name=names["probe"])
        mlflow.pyfunc.log_model(name="crash", python_model=str(HERE / "serving_models" / "crash.py"), registered_model_name=names["crash"])
    for name in names.values():
        assert call("PUT", f"{name}/1").status_code == 202
    views = {k: wait_for(n, "1", {"ready", "failed"}) for k, n in names.items()}
    yield names, views
    for name in names.values():
        call("DELETE", f"{name}/1")
    mlflow.set_tracking_uri(None)
    del os.environ["MLFLOW_TRACKING_TOKEN"]


def probe(names: dict, *targets: str) -> dict[str, dict]:
    r = call("POST", f"{names['probe']}/1/invocations", json={"dataframe_records": [{"target": t} for t in targets]})
    assert r.status_code == 200, r.text
    return {p["probe"]: p for p in map(json.loads, r.json()["predictions"])}


def test_the_malicious_model_finds_no_credential_in_its_environment(deployed):
    names, views = deployed
    assert views["probe"]["state"] == "ready", views["probe"]
    env = probe(names, "env")["env"]["got"]
    leaked = [k for k in env if any(s in k for s in ("TOKEN", "SECRET", "PASSWORD", "AWS_", "DATABASE", "S3_", "GITLAB", "AUTH"))]
    assert leaked == [], env
    assert set(env) <= {"PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE", "MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK", "__pyfunc_model_path__", "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT", "LC_CTYPE", "_MLFLOW_IS_IN_SERVING_ENVIRONMENT"}, env


def test_the_malicious_model_runs_unprivileged_and_sees_no_other_process(deployed):
    names, _ = deployed
    got = probe(names, "uid", "environs")
    assert got["uid"]["got"] is None and got["uid"]["uid"] >= 61000, got["uid"]
    # Its own pid namespace: no other process's environment (the runtime's holds SERVING_TOKEN).
    assert got["environs"]["got"] is None, got["environs"]


def test_the_malicious_model_reads_none_of_the_stacks_files_nor_the_other_endpoints_model(deployed):
    names, views = deployed
    victim_dir = SERVING_DIR / "instances" / f"{views['victim']['id'].replace('-', '')}-v1"
    targets = [
        f"read:{victim_dir / 'model' / 'MLmodel'}",
        f"list:{victim_dir}",
        f"list:{SERVING_DIR / 'instances'}",
        f"list:{SERVING_DIR / 'logs'}",
        f"list:{SERVING_DIR / 'staging'}",
        f"list:{SERVING_DIR}",
    ]
    if APPLIANCE:
        # The stack's databases, objects and secrets live in other containers: this one has none
        # of their files at all. What it has, the victim's model and the runtime's logs, it keeps
        # from the probe; the victim's directory is really there (the runtime serves from it).
        check = subprocess.run(["docker", "exec", container("serving"), "test", "-f", str(victim_dir / "model" / "MLmodel")], check=False)
        assert check.returncode == 0, f"{victim_dir} is not where the runtime keeps the victim's model"
    else:
        assert STATE.is_dir(), "LOCAL_STATE_DIR must name the stack's state folder"
        targets += [
            f"list:{STATE / 'minio'}",
            f"list:{STATE / 'postgres'}",
            f"list:{STATE / 'logs'}",
            f"read:{STATE / 'secrets.json'}",
            f"read:{STATE / 'env'}",
            f"list:{STATE}",
        ]
    for target, outcome in probe(names, *targets).items():
        assert outcome["got"] is None, f"{target}: {outcome}"
        assert "Permission" in outcome["error"] or "No such file" in outcome["error"], f"{target}: {outcome}"


def test_the_malicious_model_connects_to_nothing(deployed):
    names, views = deployed
    if APPLIANCE:
        # By address: the hub and the runtime on the serving network, which the runtime itself
        # reaches (so the refusal below is the endpoint's, not a dead address); by name: every
        # service of the stack (the runtime's network resolves only the hub's).
        reachable = {"hub": (address_on("hub", "serving"), 3000), "serving runtime": (address_on("serving", "serving"), 5002)}
        for name, (host, port) in reachable.items():
            check = f"import socket; socket.create_connection(({host!r}, {port}), timeout=3).close()"
            r = subprocess.run(["docker", "exec", container("serving"), "python", "-c", check], check=False, capture_output=True, text=True)
            assert r.returncode == 0, f"the runtime does not reach {name} at {host}:{port}: {r.stderr}"
        targets = [f"connect:{h}:{p}" for h, p in reachable.values()]
        targets += [f"connect:{n}" for n in ("hub:3000", "serving:5002", "mlflow:5000", "postgres:5432", "minio:9000", "gitlab-dev:" + os.environ.get("APPLIANCE_GITLAB_PORT", "3001"), "traefik:443")]
        targets += ["connect:1.1.1.1:443", "connect:pypi.org:443", f"unix:{victim_socket(views)}"]
    else:
        ports = {
            "postgres": port_of(STACK["DATABASE_URL"].replace("postgresql://", "http://")),
            "minio": port_of(STACK["S3_ENDPOINT"]),
            "mlflow": port_of(STACK["MLFLOW_URL"]),
            "hub": port_of(STACK["AUTH_URL"]),
            "gitlab": port_of(STACK["GITLAB_URL"]),
            "serving runtime": port_of(STACK["SERVING_URL"]),
        }
        for name, port in ports.items():
            # The test itself reaches each of them: the refusal below is the endpoint's, not a dead port.
            socket.create_connection(("127.0.0.1", port), timeout=3).close()
        pg_socket = STATE / "postgres" / "run" / f".s.PGSQL.{ports['postgres']}"
        assert pg_socket.exists(), pg_socket
        assert victim_socket(views).exists(), victim_socket(views)
        targets = [f"connect:127.0.0.1:{p}" for p in ports.values()] + ["connect:1.1.1.1:443", "connect:pypi.org:443", f"unix:{pg_socket}", f"unix:{victim_socket(views)}"]
    for target, outcome in probe(names, *targets).items():
        assert outcome["got"] is None, f"{target}: {outcome}"


def victim_socket(views: dict) -> Path:
    """Where the runtime binds the victim endpoint's socket (infra/serving/supervisor.py)."""
    return SERVING_DIR / "sockets" / f"{views['victim']['id'].replace('-', '')}-v1.sock"


def test_the_malicious_model_cannot_put_another_endpoints_socket_in_place_of_its_own(deployed):
    """The runtime (root) connects to each endpoint's socket by path: were that path in the model's
    own folder, the model could swap it for a link to another endpoint's socket, and its callers
    would invoke that other (another project's) model through it."""
    names, views = deployed
    target = f"hijack:{victim_socket(views)}"
    outcome = probe(names, target)[target]
    assert outcome["got"] == [], outcome
    # Many at once, so the runtime opens new connections to the endpoint: each is answered by the
    # probe itself (the victim would refuse these rows, or answer numbers).
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: probe(names, "uid"), range(16)))
    assert all(a["uid"]["uid"] >= 61000 for a in answers), answers


def test_a_model_that_crashes_at_load_shows_failed_with_its_log_and_takes_nothing_else_down(deployed):
    names, views = deployed
    crash = views["crash"]
    assert crash["state"] == "failed", crash
    assert any("deliberate crash" in line for line in crash["log"]), crash["log"]
    r = call("POST", f"{names['crash']}/1/invocations", json={"inputs": [[1]]})
    assert r.status_code == 503 and r.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    victim = call("POST", f"{names['victim']}/1/invocations", json={"dataframe_split": {"columns": ["a", "b", "c"], "data": [[0.0, 1.0, 2.0]]}})
    assert victim.status_code == 200, victim.text
    assert call("GET", f"{names['victim']}/1").json()["state"] == "ready"
