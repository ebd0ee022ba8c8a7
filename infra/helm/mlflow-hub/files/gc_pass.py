"""One pass of the MLflow Hub's garbage collector, for the chart's CronJob.

infra/mlflow/gc_worker.py loops forever (compose's `mlflow-gc`); on Kubernetes the
schedule is the CronJob's, so each pass queues the scheduled purge and then works
off every queued request (the scheduled one, the admin page's "Run now",
`mlflow-hub gc`) with the worker's own functions, and exits.
"""

import datetime
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
    # SQLAlchemy 2 maps a bare postgresql:// to psycopg 3; MLflow ships psycopg2.
    backend_store_uri = re.sub(r"^postgres(ql)?:", "postgresql+psycopg2:", mlflow_url)
    hub, mlflow_db = gc.connect(hub_url), gc.connect(mlflow_url)
    # A row `running` whose lease nobody holds was left by a pass (or worker) that was stopped.
    gc.fail_abandoned_runs(hub)
    # The slot this Job was started for: the schedule's latest minute within the controller's
    # startingDeadlineSeconds (an hour). A retried pod, or a compose worker beside the chart, then
    # names the same slot and queues nothing more. In a time zone the pod's clock does not share
    # (gc.timeZone), no minute matches and the pass's own minute is the slot.
    now = datetime.datetime.now()
    due = gc.parse_schedule(os.environ.get("MLFLOW_GC_SCHEDULE", "").strip() or "0 3 * * 0")
    slot = gc.latest_slot(due, now, 61) or now.replace(second=0, microsecond=0)
    gc.queue_scheduled_run(hub, older_than, slot.astimezone())
    while claimed := gc.claim_requested_run(hub):
        try:
            gc.collect(*claimed, hub, mlflow_db, backend_store_uri)
        finally:
            gc.release_lease(hub, claimed[0])
    gc.log("gc pass done")


if __name__ == "__main__":
    main()
