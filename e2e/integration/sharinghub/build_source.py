"""Builds a SharingHub-shaped MLflow 2.14 deployment for the migration test.

Runs in the MLflow 2.14 virtualenv (requirements.txt beside this file). It starts
that MLflow's own server on the given backend store and artifact destination, the
way mlflow-sharinghub deploys it (artifacts served by MLflow, stored under
<destination>/<experiment id>/<run id>/artifacts/), and logs through it what the
plugin's users log: experiments and registered models named `<name> (<project id>)`
and tagged `project=<GitLab path>`, runs with params, metric histories, tags and
artifacts, a logged scikit-learn model registered in versions with an alias and
stages, and runs in the Default experiment, which no project owns.

It writes what it logged, read back with MLflow 2.14's client (every artifact
byte hashed), to --expected as JSON: the test compares the hub with it.

Usage: python build_source.py --backend-store-uri URI --artifacts-destination DIR|s3://… --expected FILE --variant NAME --log FILE
(SOURCE_BIG_MB: size of the largest artifact, 3 by default; an S3 destination takes MLflow's
MLFLOW_S3_ENDPOINT_URL and AWS_* variables.)
"""

import argparse
import hashlib
import json
import os
import signal
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag, ViewType
from sklearn.linear_model import LinearRegression

FLOOD = {"id": 101, "path": "ml-team/flood-detection"}
SEGMENTATION = {"id": 102, "path": "ml-team/vision/segmentation"}
# The path the flood project had when its experiments were made: GitLab has since renamed it,
# and only the id in the name still leads to it.
FLOOD_OLD_PATH = "ml-team/flood-detection-old"
# Features whose prediction the test checks after the move.
PREDICT_INPUT = [[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]]


def free_port():
    # Asked of the kernel (its ephemeral range), so no fixed port of any stack is taken.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(backend_store_uri, destination, log_file):
    port = free_port()
    bin_dir = pathlib.Path(sys.executable).parent
    proc = subprocess.Popen(
        [str(bin_dir / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", backend_store_uri, "--artifacts-destination", destination],
        stdout=log_file, stderr=subprocess.STDOUT, env={**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"},
        # A group of its own: `mlflow server` runs gunicorn as a child, which its own end leaves running.
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"MLflow 2.14's server exited with {proc.returncode}; see {log_file.name}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop_server(proc)
    raise SystemExit(f"MLflow 2.14's server did not answer within 180 s; see {log_file.name}")


def stop_server(proc):
    """The server and its gunicorn master and workers: the whole process group."""
    deadline = time.time() + 60
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        while time.time() < deadline:
            proc.poll()
            os.killpg(proc.pid, 0)  # raises once no process of the group is left
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def project_experiment(client, name, project_path):
    # What mlflow-sharinghub's server does right after an experiment is created.
    experiment_id = client.create_experiment(name, tags={"team": "ml"})
    client.set_experiment_tag(experiment_id, "project", project_path)
    return experiment_id


def log_run(client, experiment_id, label, steps, big_bytes, workdir):
    run = client.create_run(experiment_id, run_name=label, tags={"variant": label})
    run_id = run.info.run_id
    t0 = 1_700_000_000_000
    metrics = [Metric("loss", 1.0 / (s + 1), t0 + s, s) for s in range(steps)] + [Metric("accuracy", 0.5 + s / (2 * steps), t0 + s, s) for s in range(0, steps, 5)]
    client.log_batch(run_id, metrics=metrics, params=[Param("lr", "0.01"), Param("layers", str(steps % 7)), Param("label", label)], tags=[RunTag("stage", "train")])
    files = pathlib.Path(workdir) / run_id
    (files / "plots" / "deep").mkdir(parents=True)
    (files / "notes.txt").write_text(f"notes of {label}\n")
    (files / "plots" / "curve.csv").write_text("step,loss\n" + "".join(f"{s},{1.0 / (s + 1)}\n" for s in range(steps)))
    (files / "plots" / "deep" / "weights.bin").write_bytes(os.urandom(big_bytes))
    client.log_artifacts(run_id, str(files))
    return run_id


def log_model_run(experiment_id, label):
    """A run that trains and logs a scikit-learn model with MLflow 2.14's fluent API, as notebooks do."""
    x = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0], [4.0, 2.0]])
    y = x @ np.array([2.0, -1.0]) + 0.5
    with mlflow.start_run(experiment_id=experiment_id, run_name=label) as run:
        model = LinearRegression().fit(x, y)
        mlflow.log_param("fit_intercept", True)
        mlflow.log_metric("r2", float(model.score(x, y)))
        mlflow.sklearn.log_model(model, "model", input_example=x[:2])
    return run.info.run_id, model.predict(np.array(PREDICT_INPUT)).tolist()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_back(client, experiment_ids):
    """Everything the source holds for these experiments, as MLflow 2.14's client reads it."""
    out = []
    for experiment_id in experiment_ids:
        e = client.get_experiment(experiment_id)
        runs = {}
        for r in client.search_runs([experiment_id], run_view_type=ViewType.ALL, max_results=1000):
            with tempfile.TemporaryDirectory() as d:
                local = pathlib.Path(client.download_artifacts(r.info.run_id, "", d))
                artifacts = {str(p.relative_to(local)): sha256(p) for p in sorted(local.rglob("*")) if p.is_file()}
            runs[r.info.run_id] = {
                "name": r.info.run_name,
                "status": r.info.status,
                "lifecycle_stage": r.info.lifecycle_stage,
                "params": r.data.params,
                "tags": r.data.tags,
                "metrics": {k: [[m.step, m.value, m.timestamp] for m in client.get_metric_history(r.info.run_id, k)] for k in r.data.metrics},
                "artifacts": artifacts,
            }
        out.append({"id": e.experiment_id, "name": e.name, "tags": e.tags, "runs": runs})
    return out


def read_models(client):
    out = []
    for m in client.search_registered_models(max_results=1000):
        versions = {}
        for v in client.search_model_versions(f"name='{m.name}'"):
            versions[v.version] = {"stage": v.current_stage, "run_id": v.run_id, "tags": v.tags, "description": v.description}
        out.append({"name": m.name, "tags": m.tags, "description": m.description, "aliases": dict(m.aliases), "versions": versions})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend-store-uri", required=True)
    ap.add_argument("--artifacts-destination", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--variant", required=True, help="a word that makes names unique per source")
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    v = a.variant
    with open(a.log, "a") as log_file:
        proc, url = start_server(a.backend_store_uri, a.artifacts_destination, log_file)
        try:
            mlflow.set_tracking_uri(url)
            client = MlflowClient(url)
            with tempfile.TemporaryDirectory() as work:
                flood = project_experiment(client, f"flood-{v} ({FLOOD['id']})", FLOOD_OLD_PATH)
                big = int(os.environ.get("SOURCE_BIG_MB", "3")) * 1024 * 1024
                flood_runs = [log_run(client, flood, f"{v}-run-{i}", 30 + 10 * i, big if i == 0 else 4096, work) for i in range(2)]
                model_run, predictions = log_model_run(flood, f"{v}-train")
                model_run_2, _ = log_model_run(flood, f"{v}-retrain")
                client.delete_run(flood_runs[1])

                seg = project_experiment(client, f"segmentation-{v} ({SEGMENTATION['id']})", SEGMENTATION["path"])
                seg_run = log_run(client, seg, f"{v}-seg", 12, 1024, work)
                seg_model_run, _ = log_model_run(seg, f"{v}-seg-train")
                # Tagged with its project's path only, without the id suffix: resolved through GitLab.
                baseline = project_experiment(client, f"baseline-{v}", SEGMENTATION["path"])
                log_run(client, baseline, f"{v}-baseline", 5, 512, work)

                # Nobody's: MLflow's Default experiment and one made before the plugin was installed.
                log_run(client, "0", f"{v}-default", 3, 128, work)
                stray = client.create_experiment(f"stray-{v}")
                log_run(client, stray, f"{v}-stray", 3, 128, work)

            flood_model = f"flood-model-{v} ({FLOOD['id']})"
            client.create_registered_model(flood_model, tags={"task": "regression"}, description="flood regressor")
            client.set_registered_model_tag(flood_model, "project", FLOOD_OLD_PATH)
            v1 = mlflow.register_model(f"runs:/{model_run}/model", flood_model)
            v2 = mlflow.register_model(f"runs:/{model_run_2}/model", flood_model)
            client.set_model_version_tag(flood_model, v1.version, "validated", "yes")
            client.set_registered_model_alias(flood_model, "champion", v1.version)
            client.transition_model_version_stage(flood_model, v2.version, "Production")
            client.transition_model_version_stage(flood_model, v1.version, "Archived")

            seg_model = f"seg-model-{v} ({SEGMENTATION['id']})"
            client.create_registered_model(seg_model)
            client.set_registered_model_tag(seg_model, "project", SEGMENTATION["path"])
            s1 = mlflow.register_model(f"runs:/{seg_model_run}/model", seg_model)
            client.transition_model_version_stage(seg_model, s1.version, "Staging")
            client.set_registered_model_alias(seg_model, "candidate", s1.version)
            # A model no project owns.
            client.create_registered_model(f"orphan-model-{v}")

            expected = {
                "experiments": read_back(client, [flood, seg, baseline, "0", stray]),
                "models": read_models(client),
                "predict": {"model": flood_model, "alias": "champion", "input": PREDICT_INPUT, "output": predictions},
            }
        finally:
            stop_server(proc)
    pathlib.Path(a.expected).write_text(json.dumps(expected, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
