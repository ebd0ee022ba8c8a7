"""Model serving through the hub: a registered scikit-learn model deployed by alias answers MLflow's
scoring protocol at /mlflow/<project>/serving/<model>/<alias>/, exactly as the model loaded locally
predicts; moving the alias rolls the endpoint to the new version; stopping it ends the answers."""

import os
import time

import mlflow
import numpy as np
import pandas as pd
import pytest
import requests
from sklearn.linear_model import LogisticRegression

HUB = os.environ.get("AUTH_URL", "")
PROJECT = "ml-team/flood-detection"  # bob: Developer; carol: Reporter
BOB = "glpat-bob-demo"
CAROL = "glpat-carol-demo"
COLUMNS = ["rain_mm", "river_level_m", "soil_moisture"]


def serving(path: str = "") -> str:
    return f"{HUB}/mlflow/{PROJECT}/serving/{path}"


def call(method: str, path: str, token: str, **kw) -> requests.Response:
    return requests.request(method, serving(path), headers={"authorization": f"Bearer {token}", **kw.pop("headers", {})}, timeout=120, **kw)


def wait_ready(model: str, ref: str, token: str = BOB, version: str | None = None, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    state: dict = {}
    while time.monotonic() < deadline:
        r = call("GET", f"{model}/{ref}", token)
        assert r.status_code == 200, r.text
        state = r.json()
        if state["state"] == "failed":
            pytest.fail(f"endpoint failed: {state['error']}\n" + "\n".join(state["log"]))
        if state["state"] == "ready" and (version is None or (state["version"] == version and not state["rollingTo"])):
            return state
        time.sleep(1)
    pytest.fail(f"endpoint not ready after {timeout} s: {state}")


def train(seed: int) -> LogisticRegression:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(200, 3)), columns=COLUMNS)
    y = (x["rain_mm"] + (seed % 3 - 1) * x["river_level_m"] > 0).astype(int)
    return LogisticRegression().fit(x, y)


@pytest.fixture
def registered(as_user, unique):
    """A model with two versions, @champion on version 1."""
    client = as_user(BOB, PROJECT)
    name = unique("serve")
    mlflow.set_experiment(name)
    sample = pd.DataFrame([[0.1, 0.2, 0.3], [1.5, -2.0, 0.0], [-1.0, 3.0, 1.0]], columns=COLUMNS)
    for seed in (1, 2):
        with mlflow.start_run():
            mlflow.sklearn.log_model(train(seed), name="model", registered_model_name=name, input_example=sample.head(1))
    client.set_registered_model_alias(name, "champion", "1")
    yield name, sample, client
    call("DELETE", f"{name}/champion", BOB)


def local_predictions(name: str, version: str, sample: pd.DataFrame) -> list:
    return np.asarray(mlflow.pyfunc.load_model(f"models:/{name}/{version}").predict(sample)).tolist()


def test_an_alias_endpoint_answers_every_input_format_as_the_model_predicts_locally_and_follows_the_alias(registered):
    name, sample, client = registered
    deployed = call("PUT", f"{name}/champion", BOB)
    assert deployed.status_code == 202, deployed.text
    assert deployed.json()["url"].endswith(f"/serving/{name}/champion/invocations")
    wait_ready(name, "champion", version="1")

    for op in ("ping", "health"):
        assert call("GET", f"{name}/champion/{op}", CAROL).status_code == 200
    assert call("GET", f"{name}/champion/version", CAROL).text.strip().strip('"') == mlflow.__version__

    expected = local_predictions(name, "1", sample)
    bodies = {
        "dataframe_split": {"dataframe_split": sample.to_dict(orient="split")},
        "dataframe_records": {"dataframe_records": sample.to_dict(orient="records")},
        "instances": {"instances": sample.to_dict(orient="records")},
        "inputs": {"inputs": sample.to_dict(orient="list")},
    }
    for form, body in bodies.items():
        # A Reporter invokes (read); the project token of nobody else's project would not.
        r = call("POST", f"{name}/champion/invocations", CAROL, json=body)
        assert r.status_code == 200, f"{form}: {r.status_code} {r.text}"
        assert r.json()["predictions"] == expected, form

    # Moving the alias rolls the endpoint over to version 2; the old one answers until then.
    client.set_registered_model_alias(name, "champion", "2")
    wait_ready(name, "champion", version="2")
    r = call("POST", f"{name}/champion/invocations", CAROL, json=bodies["dataframe_split"])
    assert r.status_code == 200, r.text
    assert r.json()["predictions"] == local_predictions(name, "2", sample)

    stopped = call("DELETE", f"{name}/champion", BOB)
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["state"] == "stopped"
    after = call("POST", f"{name}/champion/invocations", CAROL, json=bodies["dataframe_split"])
    assert after.status_code == 404, after.text


def test_a_version_endpoint_is_listed_with_its_url_and_a_reporter_cannot_deploy(registered):
    name, sample, _ = registered
    refused = call("PUT", f"{name}/1", CAROL)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error_code"] == "PERMISSION_DENIED"
    assert call("PUT", f"{name}/1", BOB).status_code == 202
    try:
        wait_ready(name, "1")
        listed = call("GET", "", CAROL).json()["endpoints"]
        mine = [e for e in listed if e["model"] == name and e["ref"] == "1"]
        assert mine and mine[0]["state"] == "ready" and mine[0]["version"] == "1"
        r = call("POST", f"{name}/1/invocations", CAROL, data=sample.to_csv(index=False), headers={"content-type": "text/csv"})
        assert r.status_code == 200, r.text
        assert r.json()["predictions"] == local_predictions(name, "1", sample)
    finally:
        call("DELETE", f"{name}/1", BOB)


def test_an_unknown_endpoint_or_project_answers_404_as_everything_else(registered):
    name, _, _ = registered
    assert call("POST", f"{name}/9/invocations", CAROL, json={"inputs": []}).status_code == 404
    other = requests.post(f"{HUB}/mlflow/alice/sandbox/serving/{name}/champion/invocations", headers={"authorization": f"Bearer {CAROL}"}, json={"inputs": []}, timeout=30)
    assert other.status_code == 404
    assert other.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert call("PUT", f"{name}/7", BOB).status_code == 404
