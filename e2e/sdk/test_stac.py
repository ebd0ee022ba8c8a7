"""The hub's STAC catalog (/api/stac) as pystac-client and plain HTTP clients use it, against the suite's stack.

Models are registered through the stock MLflow client in two projects: the private ml-team/flood-detection (101)
and the public open-science/public-models (103), both owned by alice. Every document the API serves here is
validated offline (stac_validation.py)."""

import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from pystac_client import Client

from conftest import tracking_uri
from stac_validation import MLM, validate

HUB = os.environ.get("AUTH_URL", "")
STAC = f"{HUB}/api/stac"
PRIVATE = ("ml-team/flood-detection", 101)
PUBLIC = ("open-science/public-models", 103)
ALICE = "glpat-alice-demo"
OUTSIDER = "glpat-oscar-demo"  # a signed-in GitLab user with no role in either project
EXTRA_VERSIONS = 4  # more items than one page of the searches below


def auth(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


# The appliance's Traefik has a certificate of the suite's own CA, which the client trusts
# explicitly (REQUESTS_CA_BUNDLE, as the MLflow client and pystac-client read it); urllib is told too.
TLS = ssl.create_default_context(cafile=os.environ.get("REQUESTS_CA_BUNDLE") or None)


def http(path, token=None, body=None, method=None):
    """(status, JSON) of a request to the STAC API (or any hub URL)."""
    url = path if path.startswith("http") else f"{STAC}{path}"
    data = json.dumps(body).encode() if body is not None else None
    headers = {**auth(token), **({"content-type": "application/json"} if data else {})}
    req = urllib.request.Request(url, data=data, headers=headers, method=method or ("POST" if data else "GET"))
    try:
        with urllib.request.urlopen(req, timeout=60, context=TLS) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw[:1] in (b"{", b"[") else raw.decode())
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw[:1] == b"{" else raw.decode()


def register(monkeypatch, project, name, extra_versions=0):
    """Logs a scikit-learn model with a signature and an input example, registers it, adds versions and an alias."""
    import mlflow
    from mlflow.models import infer_signature
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", ALICE)
    mlflow.set_tracking_uri(tracking_uri(project[0]))
    mlflow.set_experiment(f"stac-{uuid.uuid4().hex[:8]}")
    X, y = load_iris(return_X_y=True, as_frame=True)
    with mlflow.start_run() as run:
        model = LogisticRegression(max_iter=200, C=0.5).fit(X, y)
        mlflow.log_params({"C": 0.5, "max_iter": 200})
        mlflow.log_metric("accuracy", float(model.score(X, y)))
        info = mlflow.sklearn.log_model(model, name="model", input_example=X.head(2), signature=infer_signature(X, model.predict(X)), registered_model_name=name)
    client = mlflow.MlflowClient()
    client.set_registered_model_tag(name, "mlm:tasks", "classification")
    client.set_registered_model_tag(name, "mlm:architecture", "LogisticRegression")
    for _ in range(extra_versions):
        mlflow.register_model(info.model_uri, name)
    client.set_registered_model_alias(name, "champion", "1")
    mlflow.set_tracking_uri(None)
    return {"name": name, "run_id": run.info.run_id, "versions": 1 + extra_versions}


@pytest.fixture(scope="module")
def models():
    mp = pytest.MonkeyPatch()
    try:
        tag = uuid.uuid4().hex[:8]
        # Spaces, unicode and SharingHub's " (<project id>)" suffix (MLflow refuses '/' and ':'): ids must still be URL-safe.
        private = register(mp, PRIVATE, f"Flood détecteur {tag} (101)", EXTRA_VERSIONS)
        public = register(mp, PUBLIC, f"public-iris-{tag}")
        yield {"tag": tag, "private": private, "public": public}
    finally:
        mp.undo()


def item_ids(items):
    return [i.id for i in items]


def free_text(terms, token=ALICE, method="GET", **more):
    """Features of a free-text search (pystac-client has no `q` parameter: plain HTTP, GET or POST)."""
    if method == "GET":
        query = "&".join([f"q={urllib.parse.quote(','.join(terms))}", *(f"{k}={urllib.parse.quote(str(v))}" for k, v in more.items())])
        status, page = http(f"/search?{query}", token)
    else:
        status, page = http("/search", token, {"q": terms, **more})
    assert status == 200, page
    return page["features"]


def test_landing_page_collections_and_items_validate_offline_against_stac_1_1_and_mlm(models):
    status, landing = http("", ALICE)
    assert status == 200
    validate(landing)
    for c in ("core", "collections", "ogcapi-features", "item-search"):
        assert f"https://api.stacspec.org/v1.0.0/{c}" in landing["conformsTo"]
    assert {l["rel"] for l in landing["links"]} >= {"self", "root", "service-desc", "conformance", "data", "search", "child"}
    status, openapi = http("/api", ALICE)
    assert status == 200 and openapi["openapi"].startswith("3.")
    status, collections = http("/collections", ALICE)
    ids = [c["id"] for c in collections["collections"]]
    assert {"gitlab-101", "gitlab-103", "ai-model"} <= set(ids)
    for c in collections["collections"]:
        validate(c)
    status, page = http("/collections/gitlab-101/items?limit=100", ALICE)
    mine = [f for f in page["features"] if models["tag"] in f["properties"]["mlflow:model_name"]]
    assert len(mine) == models["private"]["versions"]
    for f in mine:
        used = validate(f)
        assert MLM in used


def test_an_item_is_mapped_from_the_model_its_tags_and_its_run_and_serves_its_files_through_the_gateway(models):
    name = models["private"]["name"]
    found = free_text([models["tag"]], collections="gitlab-101", sortby="+properties.datetime", limit=1)
    assert found[0]["properties"]["mlflow:version"] == "1"
    first = Client.open(STAC, headers=auth(ALICE)).get_collection("gitlab-101").get_item(found[0]["id"])
    p = first.properties
    assert p["mlm:framework"] == "scikit-learn" and p["mlm:framework_version"]
    assert p["mlm:tasks"] == ["classification"] and p["mlm:architecture"] == "LogisticRegression"
    assert p["mlm:input"][0]["input"] == {"shape": [-1, 4], "dim_order": ["batch", "feature"], "data_type": "float64"}
    assert p["mlm:output"][0]["result"]["data_type"] == "int64"
    assert p["mlm:hyperparameters"] == {"C": 0.5, "max_iter": 200}
    assert 0 < p["mlflow:metrics"]["accuracy"] <= 1
    assert p["mlflow:aliases"] == ["champion"] and p["mlflow:run_id"] == models["private"]["run_id"]
    uris = {l.extra_fields.get("mlflow:uri") for l in first.links if l.rel == "mlflow:model"}
    assert uris == {f"models:/{name}/1", f"models:/{name}@champion"}
    assert next(l.href for l in first.links if l.rel == "mlflow:tracking-uri") == f"{HUB}/mlflow/{PRIVATE[0]}/tracking/"
    assert [l.href for l in first.links if l.rel == "mlflow:run"] == [f"{HUB}/projects/{PRIVATE[0]}/runs/{models['private']['run_id']}"]
    model = first.assets["model"]
    assert "mlm:model" in model.roles and model.extra_fields["mlm:artifact_type"] == "mlflow.sklearn.save_model"
    assert model.href.startswith(f"{HUB}/mlflow/101/tracking/model-versions/get-artifact?")
    status, mlmodel = http(model.href, ALICE)
    assert status == 200 and "sklearn" in mlmodel
    # The same permission check as any gateway read: an outsider gets nothing.
    assert http(model.href, OUTSIDER)[0] == 404
    assert http(first.assets["weights"].href, None)[0] == 401


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_pystac_client_pages_over_more_items_than_one_page_by_collection(models, method):
    mine = [f["id"] for f in free_text([models["tag"]], collections="gitlab-101", limit=100)]
    assert len(mine) == models["private"]["versions"]
    client = Client.open(STAC, headers=auth(ALICE))
    search = client.search(collections=["gitlab-101"], ids=mine, limit=2, method=method)
    pages = list(search.pages())
    items = [i for p in pages for i in p.items]
    assert len(pages) >= 3
    assert len(items) == models["private"]["versions"]
    assert len(set(item_ids(items))) == len(items)
    assert {i.collection_id for i in items} == {"gitlab-101"}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_by_free_text_by_ids_and_by_topic_collection(models, method):
    everything = free_text([models["tag"]], method=method, limit=50)
    assert len(everything) == models["private"]["versions"] + models["public"]["versions"]
    # Terms are OR'ed: the public model's full name and a term nothing has.
    public_only = free_text([models["public"]["name"], "no-such-model-anywhere"], method=method)
    assert [f["properties"]["mlflow:model_name"] for f in public_only] == [models["public"]["name"]]
    client = Client.open(STAC, headers=auth(ALICE))
    wanted = sorted(f["id"] for f in everything)[:2]
    assert sorted(item_ids(client.search(ids=wanted, method=method).items())) == wanted
    # Both demo projects carry sharinghub:aimodel: the ai-model collection holds them both.
    ids = [f["id"] for f in everything]
    assert {i.collection_id for i in client.search(collections=["ai-model"], ids=ids, method=method).items()} == {"gitlab-101", "gitlab-103"}
    item = client.get_collection("gitlab-103").get_item(public_only[0]["id"])
    assert item is not None and item.id == public_only[0]["id"]


def test_a_version_registered_through_the_sdk_is_in_the_next_response_and_gone_once_deleted(models, monkeypatch):
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", ALICE)
    mlflow.set_tracking_uri(tracking_uri(PUBLIC[0]))
    client = mlflow.MlflowClient()
    name = models["public"]["name"]
    source = client.get_model_version(name, "1").source
    created = mlflow.register_model(source, name)
    q = {"collections": ["gitlab-103"], "q": [name.lower()], "limit": 100}
    status, page = http("/search", None, q)
    assert status == 200
    assert created.version in [f["properties"]["mlflow:version"] for f in page["features"]]
    client.delete_model_version(name, created.version)
    status, page = http("/search", None, q)
    assert created.version not in [f["properties"]["mlflow:version"] for f in page["features"]]
    mlflow.set_tracking_uri(None)


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_an_outsider_and_an_anonymous_caller_see_public_models_and_nothing_private(models, who):
    token = OUTSIDER if who == "outsider" else None
    client = Client.open(STAC, headers=auth(token))
    for method in ("GET", "POST"):
        seen = free_text([models["tag"]], token, method, limit=100)
        assert {f["collection"] for f in seen} == {"gitlab-103"} and len(seen) == models["public"]["versions"]
    assert all(i.properties["gitlab:project_id"] != 101 for i in client.search(limit=1000).items())
    for method in ("GET", "POST"):
        assert not list(client.search(collections=["gitlab-101"], method=method).items())
    assert "gitlab-101" not in [c.id for c in client.get_collections()]
    private_item = free_text([models["tag"]], collections="gitlab-101")[0]
    assert http(f"/collections/gitlab-101/items/{private_item['id']}", token)[0] == 404
    assert http(f"/collections/ai-model/items/{private_item['id']}", token)[0] == 404
    assert not list(client.search(ids=[private_item["id"]]).items())
    assert http("/collections/gitlab-101", token)[0] == 404
    status, landing = http("", token)
    assert "gitlab-101" not in json.dumps(landing)


def project_lookups():
    """GitLab GET /projects/:id calls the hub has made (its /metrics, which wants the stack's METRICS_TOKEN)."""
    token = os.environ.get("METRICS_TOKEN")
    assert token, "METRICS_TOKEN is not set: run this against the test stack's environment (set -a; . .local/test/env)"
    req = urllib.request.Request(f"{HUB}/metrics", headers={"authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30, context=TLS) as res:
        lines = res.read().decode().splitlines()
    return sum(float(l.rsplit(" ", 1)[1]) for l in lines if l.startswith("mlflow_hub_gitlab_api_calls_total{") and 'endpoint="projects/:id"' in l)


def test_a_token_gitlab_refuses_is_a_401_not_an_empty_catalog_and_costs_one_project_lookup(models):
    status, body = http("/search", "glpat-bob-revoked")
    assert status == 401 and set(body) == {"code", "description"}
    before = project_lookups()
    status, _ = http("/collections", f"glpat-unknown-{uuid.uuid4().hex}")
    assert status == 401
    # Found out on the first project with models, not asked again for each of the others.
    assert project_lookups() - before == 1


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "sortby=-properties.cloud_cover", "bbox=1,2,3", "bbox=0,0,500,1", "datetime=soon", "token=forged"])
def test_bad_search_parameters_are_a_400_with_an_ogc_error(query):
    status, body = http(f"/search?{query}")
    assert status == 400, body
    assert set(body) == {"code", "description"} and body["description"]


def test_a_hub_session_cookie_reads_what_its_user_may_read(models):
    from test_project_tokens import signed_in

    carol = signed_in("carol")  # Reporter in ml-team: reads the private project
    page = carol.get(f"{STAC}/collections", timeout=60).json()
    assert {"gitlab-101", "gitlab-103"} <= {c["id"] for c in page["collections"]}
    oscar = signed_in("oscar")  # no role anywhere: public and internal projects only
    assert "gitlab-101" not in {c["id"] for c in oscar.get(f"{STAC}/collections", timeout=60).json()["collections"]}


def test_a_hub_project_token_sees_its_own_project_only_as_through_the_gateway(models):
    from test_project_tokens import TokenMaker, revoke, signed_in

    alice = signed_in("alice")
    maker = TokenMaker(alice)
    try:
        token = maker(101, "read")["token"]
        for method in ("GET", "POST"):
            seen = free_text([models["tag"]], token, method, limit=100)
            # Its own (private) project, and not even the public one: a project token serves one project.
            assert {f["collection"] for f in seen} == {"gitlab-101"} and len(seen) == models["private"]["versions"]
        collections = {c.id for c in Client.open(STAC, headers=auth(token)).get_collections()}
        assert "gitlab-101" in collections and "gitlab-103" not in collections
    finally:
        for project_id, token_id in maker.made:
            revoke(alice, project_id, token_id)
