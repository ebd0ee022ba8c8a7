"""A large artifact, up and down with the stock client, by whichever path the hub advertises.

Without S3_PUBLIC_URL the hub's server-info says multipart transfers are off and every byte
goes through the gateway; with it, the client uploads parts and downloads ranges straight
from the store's public endpoint with URLs the gateway signed. The appliance once passed
MLflow's own server-info through, and the client went for http://minio:9000, a name only
the internal network knows.
"""

import hashlib
import math
import os
from urllib.parse import urlparse

import mlflow
import pytest
import requests

HUB = os.environ.get("AUTH_URL", "")
PROJECT_URI = f"{HUB}/mlflow/ml-team/flood-detection/tracking/"
BOB = "glpat-bob-demo"  # Developer of ml-team/flood-detection
SIZE = int(os.environ.get("SDK_MULTIPART_MB", "600")) * 1024 * 1024
EXPECT_PUBLIC = os.environ.get("HUB_EXPECT_S3_PUBLIC") == "1"
# MLflow 3.17's client defaults (mlflow/environment_variables.py): parts of 10 MiB, ranges of 100 MiB.
PART = 10 * 1024 * 1024
UPLOAD_THRESHOLD = 500 * 1024 * 1024


def write_random(path, size):
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(left, 8 * 1024 * 1024))
            digest.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.fixture
def http_calls(monkeypatch):
    """Every HTTP request the client makes, as (method, URL): to the hub, and to the store if it goes there."""
    calls = []
    original = requests.Session.request

    def record(self, method, url, *args, **kwargs):
        calls.append((method.upper(), url))
        return original(self, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", record)
    return calls


def server_info():
    answer = requests.get(f"{PROJECT_URI}api/3.0/mlflow/server-info", timeout=30)
    answer.raise_for_status()
    return answer.json()


def test_the_hub_advertises_the_transfer_mode_this_runner_expects():
    info = server_info()
    assert info["multipart_uploads_enabled"] is EXPECT_PUBLIC, info
    assert info["multipart_downloads_enabled"] is EXPECT_PUBLIC, info
    assert info["presigned_upload_run_id_supported"] is False, info


def test_a_large_artifact_goes_up_and_down_byte_identical_by_the_advertised_path(as_user, unique, tmp_path, http_calls):
    direct = server_info()["multipart_uploads_enabled"]
    assert direct is EXPECT_PUBLIC, "HUB_EXPECT_S3_PUBLIC=1 says the hub has S3_PUBLIC_URL; unset, that it has none"
    assert SIZE >= UPLOAD_THRESHOLD or not direct, "SDK_MULTIPART_MB below 500 would not make the client upload in parts"
    as_user(BOB)
    mlflow.set_experiment(unique("transfers") + " (101)")
    big = tmp_path / "big.bin"
    digest = write_random(big, SIZE)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big), artifact_path="data")
    back = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="data/big.bin", dst_path=str(tmp_path / "back"))
    assert os.path.getsize(back) == SIZE
    assert sha256_of(back) == digest

    hub = urlparse(HUB).netloc
    to_hub = [(m, urlparse(u).path) for m, u in http_calls if urlparse(u).netloc == hub]
    # URLs the gateway signed (SigV4 query); the client's telemetry may call out too, and is no transfer.
    signed = [(m, u) for m, u in http_calls if urlparse(u).netloc != hub and "X-Amz-Signature=" in u]
    sent_elsewhere = [u for m, u in http_calls if m in ("PUT", "POST") and urlparse(u).netloc != hub]
    file_path = "/mlflow-artifacts/artifacts/" + run.info.artifact_uri.split(":/", 1)[1] + "/data/big.bin"
    proxied_put = [p for m, p in to_hub if m == "PUT" and p.endswith(file_path)]
    proxied_get = [p for m, p in to_hub if m == "GET" and p.endswith(file_path)]
    if not direct:
        # One plain PUT and GET through the tracking URI; nothing asked of the store's routes, nothing sent elsewhere.
        assert signed == []
        assert sent_elsewhere == []
        assert len(proxied_put) == 1
        assert len(proxied_get) == 1
        assert [p for m, p in to_hub if "/mlflow-artifacts/mpu/" in p or "/mlflow-artifacts/presigned/" in p] == []
        return

    public = os.environ.get("S3_PUBLIC_URL")
    if not public:
        pytest.fail("S3_PUBLIC_URL is not set: with HUB_EXPECT_S3_PUBLIC=1 export the stack's environment, which names the store's public endpoint")
    public_host = urlparse(public).netloc
    assert {urlparse(u).netloc for _, u in signed} == {public_host}
    assert len([u for m, u in signed if m == "PUT" and "partNumber=" in u]) == math.ceil(SIZE / PART)
    assert len(sent_elsewhere) == len([u for m, u in signed if m == "PUT"])
    assert [u for m, u in signed if m == "GET"] != []
    assert [p for m, p in to_hub if m == "POST" and "/mlflow-artifacts/mpu/create/" in p] != []
    assert [p for m, p in to_hub if m == "POST" and "/mlflow-artifacts/mpu/complete/" in p] != []
    assert [p for m, p in to_hub if m == "GET" and "/mlflow-artifacts/presigned/" in p and p.endswith("/data/big.bin")] != []
    # Not a byte of the file went through the artifact proxy.
    assert proxied_put == []
    assert proxied_get == []
