"""The MLflow SDK, unchanged, works through a project's tracking URI as on a private server."""

import filecmp
import hashlib
import os

import mlflow
import numpy as np
import pytest
from mlflow.exceptions import MlflowException, RestException
from sklearn.linear_model import LogisticRegression

BOB = "glpat-bob-demo"  # Developer of ml-team
CAROL = "glpat-carol-demo"  # Reporter of ml-team
OSCAR = "glpat-oscar-demo"  # no membership


def test_a_developer_runs_the_whole_tracking_workflow(as_user, unique, tmp_path):
    client = as_user(BOB)
    experiment = unique("workflow") + " (101)"
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params({"alpha": 0.5, "layers": 3})
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        mlflow.set_tag("stage", "test")
        (tmp_path / "notes.txt").write_text("hello from the SDK suite\n")
        mlflow.log_artifact(str(tmp_path / "notes.txt"))
        tree = tmp_path / "tree"
        (tree / "sub").mkdir(parents=True)
        (tree / "a.json").write_text('{"a": 1}')
        (tree / "sub" / "b.bin").write_bytes(os.urandom(3 * 1024 * 1024))
        mlflow.log_artifacts(str(tree), artifact_path="tree")

    got = client.get_run(run.info.run_id)
    assert got.data.params == {"alpha": "0.5", "layers": "3"}
    assert got.data.tags["stage"] == "test"
    history = client.get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in history] == [0, 1, 2, 3, 4]
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/workspaces/gitlab-101/")

    listed = {a.path for a in client.list_artifacts(run.info.run_id, "tree")}
    assert listed == {"tree/a.json", "tree/sub"}
    downloaded = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="tree", dst_path=str(tmp_path / "back"))
    assert filecmp.cmp(tree / "sub" / "b.bin", os.path.join(downloaded, "sub", "b.bin"), shallow=False)

    found = mlflow.search_runs(experiment_names=[experiment], filter_string="params.alpha = '0.5' and metrics.loss < 0.3")
    assert list(found["run_id"]) == [run.info.run_id]


def test_a_model_is_logged_registered_aliased_and_loaded_back(as_user, unique):
    client = as_user(BOB)
    mlflow.set_experiment(unique("models") + " (101)")
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    name = unique("classifier")
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(LogisticRegression().fit(X, y), name="model", registered_model_name=name)
    version = client.get_latest_versions(name)[0].version
    client.set_registered_model_alias(name, "champion", version)
    client.transition_model_version_stage(name, version, "Staging")
    loaded = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    assert list(loaded.predict(X)) == [0, 0, 1, 1]
    assert client.get_model_version_by_alias(name, "champion").version == version
    assert info.model_uri


def test_a_reporter_reads_but_cannot_write(as_user, unique):
    developer = as_user(BOB)
    experiment_id = developer.create_experiment(unique("readable") + " (101)")
    run = developer.create_run(experiment_id)

    reporter = as_user(CAROL)
    assert reporter.get_run(run.info.run_id).info.run_id == run.info.run_id
    with pytest.raises(MlflowException) as refused:
        reporter.log_metric(run.info.run_id, "loss", 0.1)
    assert refused.value.error_code == "PERMISSION_DENIED"
    assert "Reporter" in refused.value.message


def test_an_outsider_is_told_the_project_does_not_exist(as_user):
    client = as_user(OSCAR)
    with pytest.raises(MlflowException) as refused:
        client.search_experiments()
    assert refused.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_a_run_in_another_project_cannot_be_reached_by_its_id(as_user, unique):
    owner = as_user(BOB)
    run = owner.create_run(owner.create_experiment(unique("secret") + " (101)"))
    # alice owns open-science/public-models too: a real role there, but the run lives in project 101.
    elsewhere = as_user("glpat-alice-demo", "open-science/public-models")
    with pytest.raises(RestException) as refused:
        elsewhere.get_run(run.info.run_id)
    assert refused.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert run.info.run_id not in refused.value.message or "not found" in refused.value.message.lower()


def test_a_ci_job_token_logs_a_run_with_the_pipeline_recorded(as_user, unique):
    client = as_user("glcbt-demo-running")
    mlflow.set_experiment(unique("ci") + " (101)")
    with mlflow.start_run() as run:
        mlflow.log_metric("accuracy", 0.9)
    tags = client.get_run(run.info.run_id).data.tags
    assert tags["gitlab.ci.pipeline_id"] == "501"
    assert tags["gitlab.ci.job_id"] == "9001"
    assert tags["gitlab.ci.ref"] == "main"
    assert len(tags["gitlab.ci.commit_sha"]) == 40


def test_a_large_artifact_round_trips_byte_identical(as_user, unique, tmp_path):
    size = int(os.environ.get("SDK_LARGE_ARTIFACT_MB", "64")) * 1024 * 1024
    as_user(BOB)
    mlflow.set_experiment(unique("large") + " (101)")
    big = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with open(big, "wb") as f:
        chunk = os.urandom(1024 * 1024)
        for i in range(size // len(chunk)):
            block = chunk[:-8] + i.to_bytes(8, "big")
            f.write(block)
            digest.update(block)
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big))
    back = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="big.bin", dst_path=str(tmp_path / "back"))
    got = hashlib.sha256()
    with open(back, "rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            got.update(block)
    assert got.hexdigest() == digest.hexdigest()


def test_a_developer_cannot_forge_ci_provenance_on_a_run(as_user, unique):
    client = as_user(BOB)
    run = client.create_run(client.create_experiment(unique("forged") + " (101)"))
    with pytest.raises(MlflowException) as refused:
        client.set_tag(run.info.run_id, "gitlab.ci.pipeline_id", "12345")
    assert refused.value.error_code == "PERMISSION_DENIED"
    assert "gitlab.ci.pipeline_id" not in client.get_run(run.info.run_id).data.tags


def test_datasets_and_traces_are_logged_and_found_again(as_user, unique):
    client = as_user(BOB)
    experiment = mlflow.set_experiment(unique("genai") + " (101)")
    with mlflow.start_run() as run:
        dataset = mlflow.data.from_numpy(np.arange(12).reshape(6, 2), name="features")
        mlflow.log_input(dataset, context="training")

    @mlflow.trace(name="answer")
    def answer(question: str) -> str:
        return question.upper()

    assert answer("ping") == "PING"
    mlflow.flush_trace_async_logging()  # traces are exported in the background
    inputs = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert [d.dataset.name for d in inputs] == ["features"]
    traces = mlflow.search_traces(locations=[experiment.experiment_id], return_type="list")
    assert [span.name for t in traces for span in t.data.spans] == ["answer"]
