"""One pass of the MLflow Hub's garbage collector, for the chart's CronJob.

infra/mlflow/gc_worker.py loops forever (compose's `mlflow-gc`); on Kubernetes the
schedule is the CronJob's, so each pass queues the scheduled purge and then works
off every queued request (the scheduled one, the admin page's "Run now",
`mlflow-hub gc`) with the worker's own functions, and exits.
"""

import os
import re
import sys

sys.path.insert(0, "/opt/mlflow-hub")
import gc_worker as gc  # noqa: E402 - the module the image ships, found through the path above


def main():
    hub_url = gc.required("DATABASE_URL")
    mlflow_url = gc.required("MLFLOW_DATABASE_URL")
    gc.required("MLFLOW_TRACKING_URI")
    older_than = os.environ.get("MLFLOW_GC_OLDER_THAN", "").strip() or "30d"
    deadline = int(os.environ["GC_PASS_DEADLINE_SECONDS"])
    # SQLAlchemy 2 maps a bare postgresql:// to psycopg 3; MLflow ships psycopg2.
    backend_store_uri = re.sub(r"^postgres(ql)?:", "postgresql+psycopg2:", mlflow_url)
    hub, mlflow_db = gc.connect(hub_url), gc.connect(mlflow_url)
    with hub.cursor() as cur:
        # No pass outlives the Job's deadline: a row running for longer was left by one that was stopped.
        cur.execute(
            """update gc_runs set status = 'failed', finished_at = now(), error = 'the garbage collector stopped during this run'
               where status = 'running' and started_at < now() - make_interval(secs => %s)""",
            (deadline,),
        )
    gc.queue_scheduled_run(hub, older_than)
    while claimed := gc.claim_requested_run(hub):
        gc.collect(*claimed, hub, mlflow_db, backend_store_uri)
    gc.log("gc pass done")


if __name__ == "__main__":
    main()
