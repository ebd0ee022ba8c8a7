"""Reads a migrated SharingHub source back through the hub's gateway with the stock
MLflow 3.17 client (the SDK suite's virtualenv) and compares it with what
build_source.py logged: every run, metric history, param, tag, artifact byte,
model version, stage and alias in the project it belongs to, `models:/…@alias`
loading and predicting, and none of it visible through another project.

Usage: python check_hub.py --hub URL --expected FILE --mapping FILE --token T --outsider-token T
  mapping: {"experiments": {<source id>: {"project": path, "id": project id, "name": name}}, "models": {<source name>: {...}}}
Prints counts of what it compared as JSON; any difference fails with an AssertionError naming it.
"""

import argparse
import hashlib
import json
import os
import pathlib
import tempfile

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

MARKER = "mlflow_hub.migrated_from"


def tracking(hub, project):
    return f"{hub}/mlflow/{project}/tracking/"


def client_for(hub, project, token):
    os.environ["MLFLOW_TRACKING_TOKEN"] = token
    return MlflowClient(tracking(hub, project), registry_uri=tracking(hub, project))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def refused(call):
    try:
        call()
    except MlflowException as e:
        return e.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND", "ENDPOINT_NOT_FOUND", "PERMISSION_DENIED")
    return False


def check_experiment(c, expected, where, counts):
    name = where["name"]
    e = c.get_experiment_by_name(name)
    assert e is not None, f"experiment {name!r} is not in its project"
    extra = {k: v for k, v in e.tags.items() if k not in expected["tags"]}
    assert {k: e.tags.get(k) for k in expected["tags"]} == expected["tags"], f"{name}: experiment tags {e.tags} != {expected['tags']}"
    assert set(extra) == {MARKER}, f"{name}: unexpected experiment tags {extra}"
    assert e.artifact_location == f"mlflow-artifacts:/workspaces/gitlab-{where['id']}/{e.experiment_id}", f"{name}: artifact location {e.artifact_location}"
    runs = {r.info.run_id: r for r in c.search_runs([e.experiment_id], run_view_type=ViewType.ALL, max_results=1000)}
    assert set(runs) == set(expected["runs"]), f"{name}: runs {sorted(runs)} != {sorted(expected['runs'])}"
    for run_id, want in expected["runs"].items():
        r = c.get_run(run_id)
        assert r.info.experiment_id == e.experiment_id
        assert r.info.artifact_uri == f"{e.artifact_location}/{run_id}/artifacts", f"run {run_id}: artifact uri {r.info.artifact_uri}"
        assert (r.info.run_name, r.info.status, r.info.lifecycle_stage) == (want["name"], want["status"], want["lifecycle_stage"]), f"run {run_id}: info differs"
        assert r.data.params == want["params"], f"run {run_id}: params {r.data.params} != {want['params']}"
        assert r.data.tags == want["tags"], f"run {run_id}: tags differ: {set(r.data.tags.items()) ^ set(want['tags'].items())}"
        assert set(r.data.metrics) == set(want["metrics"]), f"run {run_id}: metric keys differ"
        for key, history in want["metrics"].items():
            got = [[m.step, m.value, m.timestamp] for m in c.get_metric_history(run_id, key)]
            assert sorted(got) == sorted(history), f"run {run_id}: history of {key} differs"
            counts["metric_points"] += len(got)
        with tempfile.TemporaryDirectory() as d:
            local = pathlib.Path(c.download_artifacts(run_id, "", d))
            files = [p for p in sorted(local.rglob("*")) if p.is_file()]
            got = {str(p.relative_to(local)): sha256(p) for p in files}
            counts["artifact_bytes"] += sum(p.stat().st_size for p in files)
        assert got == want["artifacts"], f"run {run_id}: artifacts differ: {set(got.items()) ^ set(want['artifacts'].items())}"
        counts["runs"] += 1
        counts["params"] += len(r.data.params)
        counts["tags"] += len(r.data.tags)
        counts["artifacts"] += len(got)
    return e, list(runs)


def check_model(c, expected, where, counts):
    name = where["name"]
    m = c.get_registered_model(name)
    assert {k: m.tags.get(k) for k in expected["tags"]} == expected["tags"], f"model {name}: tags {m.tags}"
    assert set(m.tags) - set(expected["tags"]) == {MARKER}, f"model {name}: unexpected tags {m.tags}"
    assert (m.description or "") == (expected["description"] or ""), f"model {name}: description"
    assert {k: str(v) for k, v in m.aliases.items()} == expected["aliases"], f"model {name}: aliases {m.aliases} != {expected['aliases']}"
    versions = {v.version: v for v in c.search_model_versions(f"name='{name}'")}
    assert set(versions) == set(expected["versions"]), f"model {name}: versions {sorted(versions)}"
    for number, want in expected["versions"].items():
        v = versions[number]
        assert (v.current_stage, v.run_id, v.tags) == (want["stage"], want["run_id"], want["tags"]), f"model {name} v{number}: {v.current_stage} {v.run_id} {v.tags} != {want}"
        assert v.source.startswith(f"mlflow-artifacts:/workspaces/gitlab-{where['id']}/"), f"model {name} v{number}: source {v.source} is not in its workspace"
        counts["versions"] += 1
    counts["aliases"] += len(m.aliases)
    counts["models"] += 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hub", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--mapping", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--outsider-token", required=True, help="a token of someone who may read only another of the projects")
    a = ap.parse_args()
    expected = json.loads(pathlib.Path(a.expected).read_text())
    mapping = json.loads(pathlib.Path(a.mapping).read_text())
    projects = sorted({v["project"] for v in [*mapping["experiments"].values(), *mapping["models"].values()]})
    counts = {k: 0 for k in ["experiments", "runs", "params", "tags", "metric_points", "artifacts", "artifact_bytes", "models", "versions", "aliases"]}
    clients = {}
    for p in projects:
        clients[p] = client_for(a.hub, p, a.token)
    owned = {p: {"experiments": [], "runs": [], "models": []} for p in projects}

    for source_id, where in mapping["experiments"].items():
        want = next(e for e in expected["experiments"] if e["id"] == source_id)
        e, runs = check_experiment(clients[where["project"]], want, where, counts)
        owned[where["project"]]["experiments"].append(where["name"])
        owned[where["project"]]["runs"] += runs
        counts["experiments"] += 1
    for source_name, where in mapping["models"].items():
        want = next(m for m in expected["models"] if m["name"] == source_name)
        check_model(clients[where["project"]], want, where, counts)
        owned[where["project"]]["models"].append(where["name"])

    p = expected["predict"]
    where = mapping["models"][p["model"]]
    os.environ["MLFLOW_TRACKING_TOKEN"] = a.token
    mlflow.set_tracking_uri(tracking(a.hub, where["project"]))
    mlflow.set_registry_uri(tracking(a.hub, where["project"]))
    model = mlflow.pyfunc.load_model(f"models:/{where['name']}@{p['alias']}")
    predicted = np.asarray(model.predict(np.array(p["input"]))).tolist()
    assert np.allclose(predicted, p["output"]), f"models:/{where['name']}@{p['alias']} predicts {predicted}, not {p['output']}"

    # Nothing of one project through another's URI, with a token that may read both, nor with the outsider's.
    seen_by_outsider = 0
    for p in projects:
        for other in projects:
            if other == p:
                continue
            for token in [a.token, a.outsider_token]:
                c = client_for(a.hub, other, token)
                try:
                    names = {e.name for e in c.search_experiments(view_type=ViewType.ALL)}
                except MlflowException as e:
                    assert e.error_code == "RESOURCE_DOES_NOT_EXIST", e
                    continue
                seen_by_outsider += token == a.outsider_token
                assert not names & set(owned[p]["experiments"]), f"{other} shows experiments of {p}: {names & set(owned[p]['experiments'])}"
                for run_id in owned[p]["runs"]:
                    assert refused(lambda: c.get_run(run_id)), f"{other} serves run {run_id} of {p}"
                for model in owned[p]["models"]:
                    assert refused(lambda: c.get_registered_model(model)), f"{other} serves model {model} of {p}"
    assert seen_by_outsider > 0, "the outsider token read no project: the isolation check proved nothing"
    print(json.dumps({"counts": counts, "predicted": predicted}))


if __name__ == "__main__":
    main()
