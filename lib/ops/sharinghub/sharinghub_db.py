"""The database half of `mlflow-hub migrate-sharinghub`, run in the MLflow server's
virtualenv (MLflow 3.17.2, SQLAlchemy, psycopg2) by lib/ops/sharinghub/migrate.ts.

  inventory --source URL --scratch FILE --accept REV…
      Copies the SharingHub database into a scratch SQLite file without writing to
      the source (SQLite: the backup API on a read-only connection; Postgres: every
      row read in one read-only transaction into a scratch database built by MLflow's
      own migrations at the source's revision), brings the copy to MLflow 3.17's
      schema with `mlflow db upgrade`, and prints what it holds as JSON. A source at a
      revision outside --accept is not copied: the JSON says so and the caller refuses.

  apply --scratch FILE --target URL --plan FILE
      Writes the planned experiments (with their runs, params, metrics, tags, inputs
      and traces) and registered models (versions, tags, aliases) from the scratch
      copy into the hub's MLflow database, in one transaction: experiments get new
      ids from the target's sequence and the artifact locations of the hub's layout,
      run ids are kept. Prints the new experiment ids as JSON.

Errors go to stderr as one JSON line {"error": …} with exit status 1.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import urllib.parse

import sqlalchemy as sa

# Tables whose rows move, in an order that satisfies their foreign keys.
EXPERIMENT_TABLES = ["experiments", "experiment_tags", "runs", "tags", "params", "metrics", "latest_metrics", "datasets", "inputs", "input_tags", "trace_info", "trace_tags", "trace_request_metadata"]
MODEL_TABLES = ["registered_models", "registered_model_tags", "model_versions", "model_version_tags", "registered_model_aliases"]
# MLflow's bookkeeping: never moved (the target has its own).
BOOKKEEPING = {"alembic_version", "workspaces"}
CHUNK = 500
TRACE_ARTIFACT_TAG = "mlflow.artifactLocation"


class Refusal(Exception):
    pass


def fail(message):
    sys.stderr.write(json.dumps({"error": message}) + "\n")
    sys.exit(1)


def psycopg2_url(url):
    # SQLAlchemy 2.1 reads a bare postgresql:// as psycopg 3, which this virtualenv does not have.
    return "postgresql+psycopg2:" + url.split(":", 1)[1] if url.startswith(("postgresql:", "postgres:")) else url


def sqlite_path(url):
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme != "sqlite" or not parsed.path:
        raise Refusal(f"{url!r} is not a sqlite:///<path> URL")
    # sqlite:///relative/file and sqlite:////absolute/file, as SQLAlchemy reads them.
    return urllib.parse.unquote(parsed.path[1:])


def revision_of(conn):
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("select version_num from alembic_version")).scalar()


def copy_sqlite(url, scratch):
    path = sqlite_path(url)
    if not os.path.isfile(path):
        raise Refusal(f"the SharingHub database {path} does not exist or is not a file")
    # mode=ro: this connection cannot write, whatever happens; the backup API copies a consistent state.
    source = sqlite3.connect(f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(scratch)
        source.backup(target)
        target.close()
    finally:
        source.close()


def copy_postgres(url, scratch, accepted):
    """Every row of the source in one read-only, repeatable-read transaction, into a scratch SQLite database at the same revision."""
    from alembic import command
    from mlflow.store.db.utils import _get_alembic_config
    from mlflow.store.tracking.dbmodels.initial_models import Base as InitialBase

    source = sa.create_engine(psycopg2_url(url), isolation_level="REPEATABLE READ")
    try:
        with source.connect() as conn:
            conn.execute(sa.text("set transaction read only"))
            revision = revision_of(conn)
            if revision not in accepted:
                return revision
            scratch_url = f"sqlite:///{scratch}"
            engine = sa.create_engine(scratch_url)
            InitialBase.metadata.create_all(engine)
            config = _get_alembic_config(scratch_url)
            with engine.begin() as sconn:
                config.attributes["connection"] = sconn
                command.upgrade(config, revision)
            inspector = sa.inspect(conn)
            scratch_meta = sa.MetaData()
            scratch_meta.reflect(engine)
            source_meta = sa.MetaData()
            source_meta.reflect(conn)
            with engine.begin() as sconn:
                for table in scratch_meta.sorted_tables:
                    if table.name == "alembic_version" or not inspector.has_table(table.name):
                        continue
                    src = source_meta.tables[table.name]
                    columns = [c.name for c in src.columns if c.name in table.c]
                    result = conn.execute(sa.select(*[src.c[c] for c in columns]))
                    while rows := result.fetchmany(CHUNK):
                        sconn.execute(table.insert(), [dict(zip(columns, r)) for r in rows])
            engine.dispose()
            return revision
    finally:
        source.dispose()


def upgrade(scratch):
    # MLflow's own command, as an operator would run it on a copy.
    proc = subprocess.run([sys.executable, "-m", "mlflow", "db", "upgrade", f"sqlite:///{scratch}"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise Refusal(f"mlflow db upgrade failed on the copy of the source: {proc.stderr.strip()[-2000:]}")


def rows(conn, sql, **params):
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def inventory(a):
    scratch = os.path.abspath(a.scratch)
    if os.path.exists(scratch):
        os.remove(scratch)
    accepted = set(a.accept)
    if a.source.startswith("sqlite:"):
        copy_sqlite(a.source, scratch)
        engine = sa.create_engine(f"sqlite:///{scratch}")
        with engine.connect() as conn:
            revision = revision_of(conn)
        engine.dispose()
    elif a.source.startswith(("postgresql:", "postgres:", "postgresql+psycopg2:")):
        revision = copy_postgres(a.source, scratch, accepted)
    else:
        raise Refusal(f"the source database must be a sqlite:/// or postgresql:// URL, not {a.source.split(':', 1)[0]}:")
    if revision not in accepted:
        return {"revision": revision, "accepted": False}
    upgrade(scratch)

    engine = sa.create_engine(f"sqlite:///{scratch}")
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        counts = {t: conn.execute(sa.text(f'select count(*) from "{t}"')).scalar() for t in inspector.get_table_names()}
        experiments = rows(conn, "select experiment_id, name, artifact_location, lifecycle_stage, creation_time from experiments order by experiment_id")
        tags = rows(conn, "select experiment_id, key, value from experiment_tags")
        runs = rows(conn, "select run_uuid, experiment_id, artifact_uri, lifecycle_stage from runs order by run_uuid")
        models = rows(conn, "select name, creation_time from registered_models order by name")
        model_tags = rows(conn, "select name, key, value from registered_model_tags")
        versions = rows(conn, "select name, version, source, storage_location, run_id, current_stage from model_versions order by name, version")
        aliases = rows(conn, "select name, alias, version from registered_model_aliases")
    engine.dispose()
    by_experiment = {}
    for r in runs:
        by_experiment.setdefault(r["experiment_id"], []).append({"id": r["run_uuid"], "artifactUri": r["artifact_uri"], "lifecycleStage": r["lifecycle_stage"]})
    return {
        "revision": revision,
        "accepted": True,
        "experiments": [
            {
                "id": str(e["experiment_id"]),
                "name": e["name"],
                "artifactLocation": e["artifact_location"],
                "lifecycleStage": e["lifecycle_stage"],
                "creationTime": e["creation_time"],
                "tags": {t["key"]: t["value"] for t in tags if t["experiment_id"] == e["experiment_id"]},
                "runs": by_experiment.get(e["experiment_id"], []),
            }
            for e in experiments
        ],
        "models": [
            {
                "name": m["name"],
                "creationTime": m["creation_time"],
                "tags": {t["key"]: t["value"] for t in model_tags if t["name"] == m["name"]},
                "versions": [{"version": v["version"], "source": v["source"], "storageLocation": v["storage_location"], "runId": v["run_id"], "stage": v["current_stage"]} for v in versions if v["name"] == m["name"]],
                "aliases": {x["alias"]: x["version"] for x in aliases if x["name"] == m["name"]},
            }
            for m in models
        ],
        "rowCounts": {t: n for t, n in counts.items() if n},
        "movedTables": EXPERIMENT_TABLES + MODEL_TABLES,
        "bookkeepingTables": sorted(BOOKKEEPING),
    }


def rewrite(uri, locations):
    """uri under one of the old experiment locations, moved to its new one (the longest match wins); others unchanged."""
    if not uri:
        return uri
    for old, new in sorted(locations.items(), key=lambda kv: -len(kv[0])):
        if uri == old:
            return new
        if uri.startswith(old.rstrip("/") + "/"):
            return new + uri[len(old.rstrip("/")) :]
    return uri


def select_in(conn, table, column, values):
    out = []
    values = list(values)
    for i in range(0, len(values), CHUNK):
        out += [dict(r._mapping) for r in conn.execute(sa.select(table).where(table.c[column].in_(values[i : i + CHUNK])))]
    return out


def insert(conn, table, records):
    records = [{k: v for k, v in r.items() if k in table.c} for r in records]
    for i in range(0, len(records), CHUNK):
        conn.execute(table.insert(), records[i : i + CHUNK])
    return len(records)


def apply(a):
    plan = json.load(open(a.plan))
    marker = plan["markerKey"]
    source_engine = sa.create_engine(f"sqlite:///{os.path.abspath(a.scratch)}")
    target_engine = sa.create_engine(psycopg2_url(a.target))
    src_meta, dst_meta = sa.MetaData(), sa.MetaData()
    src_meta.reflect(source_engine, only=EXPERIMENT_TABLES + MODEL_TABLES)
    dst_meta.reflect(target_engine, only=EXPERIMENT_TABLES + MODEL_TABLES)
    S, T = src_meta.tables, dst_meta.tables
    written = {t: 0 for t in EXPERIMENT_TABLES + MODEL_TABLES}
    moved = []
    locations = dict(plan.get("knownLocations", {}))
    with source_engine.connect() as src, target_engine.begin() as dst:
        for e in plan["experiments"]:
            [row] = select_in(src, S["experiments"], "experiment_id", [int(e["sourceId"])])
            old_location = row["artifact_location"]
            row = {k: v for k, v in row.items() if k != "experiment_id"}
            row.update(name=e["name"], workspace=e["workspace"], artifact_location=None)
            new_id = dst.execute(T["experiments"].insert().values(**{k: v for k, v in row.items() if k in T["experiments"].c}).returning(T["experiments"].c.experiment_id)).scalar_one()
            # The layout the hub's MLflow gives its own experiments (mlflow-artifacts:/workspaces/<ws>/<id>).
            new_location = f"mlflow-artifacts:/workspaces/{e['workspace']}/{new_id}"
            dst.execute(T["experiments"].update().where(T["experiments"].c.experiment_id == new_id).values(artifact_location=new_location))
            written["experiments"] += 1
            locations[old_location] = new_location
            moved.append({"sourceId": e["sourceId"], "targetId": str(new_id), "workspace": e["workspace"], "oldLocation": old_location, "location": new_location})
            e["_new_id"], e["_old_id"] = new_id, int(e["sourceId"])

        for e in plan["experiments"]:
            old_id, new_id = e["_old_id"], e["_new_id"]
            tags = [t for t in select_in(src, S["experiment_tags"], "experiment_id", [old_id]) if t["key"] != marker]
            tags.append({"key": marker, "value": e["marker"]})
            written["experiment_tags"] += insert(dst, T["experiment_tags"], [{**t, "experiment_id": new_id} for t in tags])
            runs = select_in(src, S["runs"], "experiment_id", [old_id])
            written["runs"] += insert(dst, T["runs"], [{**r, "experiment_id": new_id, "artifact_uri": rewrite(r["artifact_uri"], locations)} for r in runs])
            run_ids = [r["run_uuid"] for r in runs]
            for table in ["tags", "params", "metrics", "latest_metrics"]:
                written[table] += insert(dst, T[table], select_in(src, S[table], "run_uuid", run_ids))
            datasets = select_in(src, S["datasets"], "experiment_id", [old_id])
            written["datasets"] += insert(dst, T["datasets"], [{**d, "experiment_id": new_id} for d in datasets])
            inputs = [i for i in select_in(src, S["inputs"], "destination_id", run_ids) if i["destination_type"] == "RUN"]
            written["inputs"] += insert(dst, T["inputs"], inputs)
            written["input_tags"] += insert(dst, T["input_tags"], select_in(src, S["input_tags"], "input_uuid", [i["input_uuid"] for i in inputs]))
            traces = select_in(src, S["trace_info"], "experiment_id", [old_id])
            written["trace_info"] += insert(dst, T["trace_info"], [{**t, "experiment_id": new_id} for t in traces])
            trace_ids = [t["request_id"] for t in traces]
            trace_tags = select_in(src, S["trace_tags"], "request_id", trace_ids)
            written["trace_tags"] += insert(dst, T["trace_tags"], [{**t, "value": rewrite(t["value"], locations)} if t["key"] == TRACE_ARTIFACT_TAG else t for t in trace_tags])
            written["trace_request_metadata"] += insert(dst, T["trace_request_metadata"], select_in(src, S["trace_request_metadata"], "request_id", trace_ids))

        for m in plan["models"]:
            ws, name = m["workspace"], m["name"]
            [row] = select_in(src, S["registered_models"], "name", [m["sourceName"]])
            written["registered_models"] += insert(dst, T["registered_models"], [{**row, "name": name, "workspace": ws}])
            tags = [t for t in select_in(src, S["registered_model_tags"], "name", [m["sourceName"]]) if t["key"] != marker]
            tags.append({"key": marker, "value": m["marker"]})
            written["registered_model_tags"] += insert(dst, T["registered_model_tags"], [{**t, "name": name, "workspace": ws} for t in tags])
            versions = select_in(src, S["model_versions"], "name", [m["sourceName"]])
            written["model_versions"] += insert(
                dst,
                T["model_versions"],
                [{**v, "name": name, "workspace": ws, "source": rewrite(v["source"], locations), "storage_location": rewrite(v.get("storage_location"), locations)} for v in versions],
            )
            for table in ["model_version_tags", "registered_model_aliases"]:
                written[table] += insert(dst, T[table], [{**t, "name": name, "workspace": ws} for t in select_in(src, S[table], "name", [m["sourceName"]])])
    source_engine.dispose()
    target_engine.dispose()
    return {"experiments": moved, "rows": written}


def main():
    ap = argparse.ArgumentParser(prog="sharinghub_db.py")
    sub = ap.add_subparsers(dest="command", required=True)
    inv = sub.add_parser("inventory")
    inv.add_argument("--source", required=True)
    inv.add_argument("--scratch", required=True)
    inv.add_argument("--accept", nargs="+", required=True)
    app = sub.add_parser("apply")
    app.add_argument("--scratch", required=True)
    app.add_argument("--target", required=True)
    app.add_argument("--plan", required=True)
    a = ap.parse_args()
    try:
        result = inventory(a) if a.command == "inventory" else apply(a)
    except Refusal as e:
        fail(str(e))
    except sa.exc.SQLAlchemyError as e:
        fail(f"{type(e).__name__}: {str(e).splitlines()[0]}")
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
