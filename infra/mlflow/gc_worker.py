"""The MLflow Hub's garbage collector: purges deleted runs and experiments, with
their artifacts, using MLflow's own `mlflow gc`.

It runs beside the MLflow server, with the same image (compose service
`mlflow-gc`) or virtualenv (the local stack), and loops:

- on MLFLOW_GC_SCHEDULE (five cron fields, server time) it queues a run for that
  minute; the minute is unique in `gc_runs`, so several workers (compose replicas,
  overlapping CronJobs) queue each slot once;
- every MLFLOW_GC_POLL_SECONDS it claims the oldest `requested` row of the hub's
  `gc_runs` table (the admin page's "run now" and `mlflow-hub gc` insert one),
  runs `mlflow gc --all-workspaces --older-than <the row's age>`, and writes back
  what was removed per workspace, or why it failed. While it runs one, it holds a
  Postgres advisory lock on the row (its lease, released with its connection): a
  `running` row nobody holds was left by a worker that died, and is marked failed.

`mlflow gc` deletes a run's artifacts through the MLflow server's artifact proxy
(the runs' artifact URIs are mlflow-artifacts:/…), hence MLFLOW_TRACKING_URI.
`python gc_worker.py --check` is the container's healthcheck: the loop touches
MLFLOW_GC_HEARTBEAT_FILE every pass, also while a run is in progress.
"""

import datetime
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import psycopg2
from huey import crontab  # a dependency of MLflow itself: the cron matching MLflow's job runner uses

HEARTBEAT = pathlib.Path(os.environ.get("MLFLOW_GC_HEARTBEAT_FILE", "/tmp/mlflow-gc.alive"))
# Longer than a pass of the loop, including a database that is slow to answer.
HEARTBEAT_MAX_AGE_S = 120

REMOVED_RUN = re.compile(r"^Run with ID (\S+) has been permanently deleted\.$", re.M)
REMOVED_EXPERIMENT = re.compile(r"^Experiment with ID (\S+) has been permanently deleted\.$", re.M)

# The first key of the two-key advisory locks that are the workers' leases on running rows
# (the second is hashtext of the row's id): a class of locks no other part of the hub takes.
LEASE_LOCK_CLASS = 0x6D6C6763

stopping = False


def log(message, **fields):
    print(json.dumps({"time": datetime.datetime.now(datetime.timezone.utc).isoformat(), "msg": message, **fields}), flush=True)


def required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        sys.exit(f"gc_worker: {name} is required")
    return value


def parse_schedule(spec):
    fields = spec.split()
    if len(fields) != 5:
        sys.exit(f"gc_worker: MLFLOW_GC_SCHEDULE must have five cron fields (minute hour day month weekday), got {spec!r}")
    try:
        return crontab(*fields, strict=True)
    except ValueError as e:
        sys.exit(f"gc_worker: MLFLOW_GC_SCHEDULE {spec!r}: {e}")


def connect(url):
    conn = psycopg2.connect(url, connect_timeout=5, application_name="mlflow-hub-gc")
    conn.autocommit = True
    return conn


def heartbeat():
    HEARTBEAT.touch()


def queue_scheduled_run(hub, older_than, slot):
    """Queues the run of schedule minute `slot` unless another worker already has."""
    with hub.cursor() as cur:
        cur.execute(
            "insert into gc_runs (trigger, older_than, scheduled_for) values ('schedule', %s, %s) on conflict (scheduled_for) do nothing returning id",
            (older_than, slot),
        )
        return cur.fetchone() is not None


def claim_requested_run(hub):
    # SKIP LOCKED: two workers never take the same row. The lease is taken in the same
    # statement, so no other worker sees the row `running` before it is held.
    with hub.cursor() as cur:
        cur.execute(
            """with claimed as (
                 update gc_runs set status = 'running', started_at = now()
                 where id = (select id from gc_runs where status = 'requested'
                             order by requested_at limit 1 for update skip locked)
                 returning id, older_than)
               select id, older_than, pg_advisory_lock(%s, hashtext(id::text)) from claimed""",
            (LEASE_LOCK_CLASS,),
        )
        row = cur.fetchone()
        return row[:2] if row else None


def release_lease(hub, run_id):
    with hub.cursor() as cur:
        cur.execute("select pg_advisory_unlock(%s, hashtext(%s))", (LEASE_LOCK_CLASS, str(run_id)))


def fail_abandoned_runs(hub):
    """Marks failed the `running` rows whose worker is gone: their lease is free to take.

    Called between runs only, when this connection holds no lease of its own: the locks the
    check takes are all released after it.
    """
    with hub.cursor() as cur:
        cur.execute(
            """update gc_runs set status = 'failed', finished_at = now(), error = 'the garbage collector stopped during this run'
               where status = 'running' and pg_try_advisory_lock(%s, hashtext(id::text)) returning id""",
            (LEASE_LOCK_CLASS,),
        )
        abandoned = [str(r[0]) for r in cur.fetchall()]
        cur.execute("select pg_advisory_unlock_all()")
    if abandoned:
        log("runs left by a stopped worker marked failed", ids=abandoned)


def deleted_by_workspace(mlflow_db):
    """Every deleted run and experiment, so what `mlflow gc` reports can be told per workspace."""
    with mlflow_db.cursor() as cur:
        cur.execute(
            """select r.run_uuid, e.workspace from runs r join experiments e on e.experiment_id = r.experiment_id
               where r.lifecycle_stage = 'deleted' or e.lifecycle_stage = 'deleted'"""
        )
        runs = dict(cur.fetchall())
        cur.execute("select experiment_id::text, workspace from experiments where lifecycle_stage = 'deleted'")
        experiments = dict(cur.fetchall())
    return runs, experiments


def run_mlflow_gc(older_than, backend_store_uri):
    env = {**os.environ, "MLFLOW_ENABLE_WORKSPACES": "true"}
    proc = subprocess.Popen(
        [os.environ.get("MLFLOW_GC_COMMAND", "mlflow"), "gc", "--backend-store-uri", backend_store_uri, "--all-workspaces", "--older-than", older_than],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # communicate() with a timeout keeps the heartbeat going through a long purge.
    while True:
        try:
            out, err = proc.communicate(timeout=10)
            return proc.returncode, out, err
        except subprocess.TimeoutExpired:
            heartbeat()


def collect(run_id, older_than, hub, mlflow_db, backend_store_uri):
    log("gc started", id=str(run_id), older_than=older_than)
    try:
        runs, experiments = deleted_by_workspace(mlflow_db)
        code, out, err = run_mlflow_gc(older_than, backend_store_uri)
    except Exception as e:  # noqa: BLE001 - whatever went wrong is recorded on the row
        code, out, err, runs, experiments = -1, "", repr(e), {}, {}
    removed = {}
    for ids, known, kind in ((REMOVED_RUN.findall(out), runs, "runs"), (REMOVED_EXPERIMENT.findall(out), experiments, "experiments")):
        for one in ids:
            removed.setdefault(known.get(one, "unknown"), {"runs": [], "experiments": []})[kind].append(one)
    n_runs = sum(len(w["runs"]) for w in removed.values())
    n_experiments = sum(len(w["experiments"]) for w in removed.values())
    error = None if code == 0 else (err.strip() or out.strip() or f"mlflow gc exited with {code}")[-4000:]
    with hub.cursor() as cur:
        cur.execute(
            """update gc_runs set status = %s, finished_at = now(), removed_runs = %s, removed_experiments = %s,
               removed = %s, error = %s where id = %s""",
            ("succeeded" if code == 0 else "failed", n_runs, n_experiments, json.dumps(removed), error, run_id),
        )
    log("gc finished", id=str(run_id), status="succeeded" if code == 0 else "failed", removed_runs=n_runs, removed_experiments=n_experiments, error=error)


def minutes_between(after, until):
    """Whole minutes in (after, until], each a moment the schedule may name."""
    t = after.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    while t <= until:
        yield t
        t += datetime.timedelta(minutes=1)


def latest_slot(due, now, within_minutes):
    """The latest minute at or before `now`, at most `within_minutes` back, that the schedule names."""
    start = now - datetime.timedelta(minutes=within_minutes)
    slots = [t for t in minutes_between(start, now) if due(t)]
    return slots[-1] if slots else None


def check():
    try:
        age = time.time() - HEARTBEAT.stat().st_mtime
    except FileNotFoundError:
        sys.exit("no heartbeat yet")
    sys.exit(0 if age < HEARTBEAT_MAX_AGE_S else f"last heartbeat {age:.0f} s ago")


def stop(*_):
    global stopping
    stopping = True


def main():
    if sys.argv[1:] == ["--check"]:
        check()
    hub_url = required("DATABASE_URL")
    mlflow_url = required("MLFLOW_DATABASE_URL")
    required("MLFLOW_TRACKING_URI")
    schedule_spec = os.environ.get("MLFLOW_GC_SCHEDULE", "").strip() or "0 3 * * 0"
    due = parse_schedule(schedule_spec)
    older_than = os.environ.get("MLFLOW_GC_OLDER_THAN", "").strip() or "30d"
    poll = float(os.environ.get("MLFLOW_GC_POLL_SECONDS", "5"))
    # SQLAlchemy 2 maps a bare postgresql:// to psycopg 3; MLflow ships psycopg2.
    backend_store_uri = re.sub(r"^postgres(ql)?:", "postgresql+psycopg2:", mlflow_url)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    hub = mlflow_db = None
    last_check = datetime.datetime.now()
    log("gc worker started", schedule=schedule_spec, older_than=older_than, poll_seconds=poll)
    while not stopping:
        try:
            if hub is None:
                hub, mlflow_db = connect(hub_url), connect(mlflow_url)
            fail_abandoned_runs(hub)
            now = datetime.datetime.now()
            slots = [t for t in minutes_between(last_check, now) if due(t)]
            if slots:
                # Server time, as the schedule reads; stored with its offset, so every worker names the minute alike.
                slot = slots[-1].astimezone()
                queued = queue_scheduled_run(hub, older_than, slot)
                log("scheduled run queued" if queued else "scheduled run already queued by another worker", slot=slot.isoformat())
            last_check = now
            claimed = claim_requested_run(hub)
            if claimed:
                try:
                    collect(*claimed, hub, mlflow_db, backend_store_uri)
                finally:
                    release_lease(hub, claimed[0])
                continue
            heartbeat()
        except psycopg2.Error as e:
            log("database unavailable, retrying", error=str(e).strip())
            for conn in (hub, mlflow_db):
                if conn is not None:
                    conn.close()
            hub = mlflow_db = None
        time.sleep(poll)
    log("gc worker stopped")


if __name__ == "__main__":
    main()
