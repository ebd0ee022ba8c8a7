"""Every HTTP route the pinned `mlflow server` serves, as JSON on stdout.

Run with the MLflow virtualenv's python (infra/local/tools.ts ensureMlflowVenv()):

    <venv>/bin/python infra/mlflow/list_routes.py > lib/gateway/mlflow-routes.json

Each entry is {"path", "methods", "source"}: path in Flask's rule syntax (FastAPI's
`{name}` / `{name:path}` are rewritten to `<name>` / `<path:name>` so one matcher
reads both), methods without HEAD/OPTIONS, and source = the app that answers.

`mlflow server` runs uvicorn on mlflow.server.fastapi_app:app: native FastAPI
routes first, then the Flask app mounted at "/" for everything else. Where both
declare the same path and method (/health, server-info, artifact GET/PUT), the
FastAPI route answers and the Flask one is unreachable, so it is listed once,
as "fastapi".

The route set is read with the environment `mlflow server --serve-artifacts
--enable-workspaces` gives its workers. In 3.17.2 neither flag changes which
routes are registered (only how they answer), but a static prefix, the
Prometheus exporter (--expose-prometheus adds /metrics) and --app-name do; the
hub uses none of them, so they are cleared to keep the output reproducible.
"""

import json
import os
import re
import sys
import warnings

_HUB_SERVER_ENV = {
    "MLFLOW_ENABLE_WORKSPACES": "true",
    "_MLFLOW_SERVER_SERVE_ARTIFACTS": "true",
}
_CLEARED_ENV = (
    "_MLFLOW_STATIC_PREFIX",
    "prometheus_multiproc_dir",
    # With a backend store in the environment, importing the app also installs
    # the security middleware; that adds no routes and is not wanted here.
    "_MLFLOW_SERVER_FILE_STORE",
    "_MLFLOW_SERVER_ARTIFACTS_ONLY",
)
_IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _flask_syntax(fastapi_path: str) -> str:
    def convert(m: re.Match) -> str:
        name, _, converter = m.group(1).partition(":")
        if converter in ("", "str"):
            return f"<{name}>"
        if converter == "path":
            return f"<path:{name}>"
        raise SystemExit(f"unsupported FastAPI path converter {converter!r} in {fastapi_path}")

    return re.sub(r"\{([^}]+)\}", convert, fastapi_path)


def _fastapi_routes(app):
    """(path, methods) of every native route, in the order the ASGI router tries them."""
    from fastapi import routing
    from starlette.routing import Mount

    # FastAPI >= 0.16x keeps included routers as nodes; older versions flatten
    # them into app.routes. Either way, every route must be accounted for.
    iterate = getattr(routing, "iter_route_contexts", None)
    routes = list(iterate(app.routes)) if iterate else list(app.routes)
    found = []
    flask_mounts = 0
    for route in routes:
        methods = getattr(route, "methods", None)
        if methods:
            found.append((_flask_syntax(route.path), set(methods) - _IGNORED_METHODS))
        elif isinstance(getattr(route, "original_route", route), Mount) and route.path == "":
            flask_mounts += 1
        else:
            raise SystemExit(f"unexpected ASGI route {route!r}: the inventory would miss what it serves")
    if flask_mounts != 1:
        raise SystemExit(f"expected the Flask app mounted once at '/', found {flask_mounts} mounts")
    return found


def _flask_routes(flask_app):
    return [(rule.rule, set(rule.methods) - _IGNORED_METHODS) for rule in flask_app.url_map.iter_rules()]


def main() -> None:
    for name in _CLEARED_ENV:
        os.environ.pop(name, None)
    os.environ.update(_HUB_SERVER_ENV)
    warnings.simplefilter("ignore")

    from mlflow.server import app as flask_app
    from mlflow.server.fastapi_app import app as asgi_app
    from mlflow.server.handlers import get_endpoints

    flask = _flask_routes(flask_app)
    registered = {(path, m) for path, methods in flask for m in methods}
    for path, _, methods in get_endpoints():
        missing = [m for m in methods if (path, m) not in registered]
        if missing:
            raise SystemExit(f"get_endpoints() route {path} {missing} is not in the Flask URL map")

    served = {}
    for path, methods in _fastapi_routes(asgi_app):
        for method in methods:
            served.setdefault((path, method), "fastapi")
    for path, methods in flask:
        for method in methods:
            served.setdefault((path, method), "flask")

    grouped = {}
    for (path, method), source in served.items():
        grouped.setdefault((path, source), set()).add(method)
    entries = [
        {"path": path, "methods": sorted(methods), "source": source}
        for (path, source), methods in sorted(grouped.items())
    ]
    # One entry per line keeps a pin bump's diff readable.
    sys.stdout.write("[\n" + ",\n".join("  " + json.dumps(e) for e in entries) + "\n]\n")


if __name__ == "__main__":
    main()
