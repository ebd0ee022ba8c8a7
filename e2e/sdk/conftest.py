"""The SDK suite drives the stock MLflow client against the hub's gateway of the test stack."""

import os
import uuid

import pytest

HUB = os.environ.get("AUTH_URL")
DEMO_PROJECT = "ml-team/flood-detection"


def tracking_uri(project: str = DEMO_PROJECT) -> str:
    return f"{HUB}/mlflow/{project}/tracking/"


@pytest.fixture(autouse=True)
def _isolated_client_env(monkeypatch):
    if not HUB:
        pytest.fail("AUTH_URL is not set: run this suite through scripts/test, which starts the stack")
    for name in list(os.environ):
        if name.startswith("MLFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    yield


@pytest.fixture
def as_user(monkeypatch):
    """Points the MLflow client at a project's tracking URI with a demo token."""
    import mlflow

    def use(token: str, project: str = DEMO_PROJECT):
        monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", token)
        mlflow.set_tracking_uri(tracking_uri(project))
        return mlflow.MlflowClient()

    yield use
    mlflow.set_tracking_uri(None)


@pytest.fixture
def unique():
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:8]}"
