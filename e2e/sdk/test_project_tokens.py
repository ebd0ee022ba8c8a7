"""Hub project tokens with the stock MLflow client: made on the hub the way its pages make them,
used as MLFLOW_TRACKING_TOKEN (Bearer or Basic) on their own project only."""

import html
import os
import re
import uuid

import mlflow
import pytest
import requests
from mlflow.exceptions import RestException

HUB = os.environ.get("AUTH_URL", "")
FLOOD = "ml-team/flood-detection"  # id 101; bob is a Developer through the ml-team group
SEGMENTATION = "ml-team/vision/segmentation"  # id 102; bob is a Developer there too
BOB_API = "glpat-bob-demo"


def signed_in(username: str) -> requests.Session:
    """A hub session got as a browser gets one: the hub's sign-in, the GitLab stand-in's form, back."""
    s = requests.Session()
    csrf = s.get(f"{HUB}/api/auth/csrf", timeout=30).json()["csrfToken"]
    to_gitlab = s.post(f"{HUB}/api/auth/signin/gitlab", data={"csrfToken": csrf, "callbackUrl": f"{HUB}/"}, allow_redirects=False, timeout=30)
    assert to_gitlab.status_code in (302, 303), to_gitlab.text
    form = s.get(to_gitlab.headers["location"], timeout=30)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', form.text).group(1))
    back = s.post(requests.compat.urljoin(form.url, action), data={"user[login]": username, "user[password]": "mlflow-hub-demo"}, timeout=60)
    assert back.url.rstrip("/") == HUB.rstrip("/"), back.url
    assert any(c.name.endswith("authjs.session-token") for c in s.cookies), "no hub session after signing in"
    return s


def revoke(session: requests.Session, project_id: int, token_id: str) -> requests.Response:
    return session.delete(f"{HUB}/api/projects/{project_id}/tokens/{token_id}", headers={"origin": HUB}, timeout=30)


class TokenMaker:
    """Creates project tokens through the hub's own token route, and revokes what is left of them afterwards."""

    def __init__(self, session: requests.Session):
        self.session = session
        self.made: list[tuple[int, str]] = []

    def __call__(self, project_id: int, access: str, days: int = 1) -> dict:
        r = self.session.post(f"{HUB}/api/projects/{project_id}/tokens", json={"name": f"sdk-{uuid.uuid4().hex[:8]}", "access": access, "days": days}, headers={"origin": HUB}, timeout=30)
        assert r.status_code == 201, r.text
        created = r.json()
        self.made.append((project_id, created["summary"]["id"]))
        return created


@pytest.fixture(scope="module")
def bob():
    if not HUB:
        pytest.fail("AUTH_URL is not set: run this suite through scripts/test, which starts the stack")
    return signed_in("bob")


@pytest.fixture
def create_token(bob):
    maker = TokenMaker(bob)
    yield maker
    for project_id, token_id in maker.made:
        revoke(bob, project_id, token_id)


def use(monkeypatch, project: str, **env: str) -> mlflow.MlflowClient:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    mlflow.set_tracking_uri(f"{HUB}/mlflow/{project}/tracking/")
    return mlflow.MlflowClient()


def test_a_write_project_token_logs_a_run_with_the_stock_client(create_token, monkeypatch, unique):
    token = create_token(101, "write")["token"]
    assert token.startswith("mlfhub_")
    use(monkeypatch, FLOOD, MLFLOW_TRACKING_TOKEN=token)
    mlflow.set_experiment(unique("project-token") + " (101)")
    with mlflow.start_run() as run:
        mlflow.log_param("via", "project token")
        mlflow.log_metric("loss", 0.5, step=1)

    # Read back with bob's own GitLab token: the run is in project 101's MLflow.
    got = use(monkeypatch, FLOOD, MLFLOW_TRACKING_TOKEN=BOB_API).get_run(run.info.run_id)
    assert got.data.params == {"via": "project token"}
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/workspaces/gitlab-101/")


def test_a_project_token_works_as_the_basic_auth_password_too(create_token, monkeypatch, unique):
    token = create_token(101, "write")["token"]
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    client = use(monkeypatch, FLOOD, MLFLOW_TRACKING_USERNAME="bob", MLFLOW_TRACKING_PASSWORD=token)
    experiment_id = client.create_experiment(unique("project-token-basic"))
    assert client.get_experiment(experiment_id).name.startswith("project-token-basic")


def test_a_project_token_is_refused_on_another_project_where_its_owner_may_write(create_token, monkeypatch):
    token = create_token(101, "write")["token"]
    for project in (SEGMENTATION, "102"):
        client = use(monkeypatch, project, MLFLOW_TRACKING_TOKEN=token)
        with pytest.raises(RestException) as refused:
            client.search_experiments()
        assert refused.value.error_code == "RESOURCE_DOES_NOT_EXIST"
        with pytest.raises(RestException) as refused:
            client.create_experiment("never-created-with-a-foreign-token")
        assert refused.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_a_read_project_token_reads_but_cannot_log(create_token, monkeypatch, unique):
    token = create_token(101, "read")["token"]
    client = use(monkeypatch, FLOOD, MLFLOW_TRACKING_TOKEN=token)
    assert client.search_experiments(max_results=5) is not None
    with pytest.raises(RestException) as refused:
        client.create_experiment(unique("read-token"))
    assert refused.value.error_code == "PERMISSION_DENIED"
    assert "read-only" in refused.value.message


def test_a_revoked_project_token_stops_working(create_token, monkeypatch):
    created = create_token(101, "write")
    client = use(monkeypatch, FLOOD, MLFLOW_TRACKING_TOKEN=created["token"])
    client.search_experiments(max_results=1)
    revoked = revoke(create_token.session, 101, created["summary"]["id"])
    assert revoked.status_code == 200, revoked.text
    # At once, not after the hub's cache timeout: the hub that revoked it forgets it.
    with pytest.raises(RestException) as refused:
        client.search_experiments(max_results=1)
    assert refused.value.error_code == "UNAUTHENTICATED"
    assert "The hub project token is unknown, expired or revoked" in refused.value.message
