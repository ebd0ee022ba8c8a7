# The hub's image (target `hub`) and, from the same build, the `tools` image that
# applies migrations and runs the GitLab stand-in of the demo profile, and the
# `ops` image of the mlflow-hub CLI. docker-compose.yml builds them and
# .gitlab-ci.yml publishes them; infra/compose/images.test.ts checks this file.
# No `# syntax=` line: BuildKit would fetch that frontend from a registry, and
# its built-in one reads everything here.

FROM node:20.20.2-bookworm-slim AS base
ENV NEXT_TELEMETRY_DISABLED=1 \
    CHECKPOINT_DISABLE=1 \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app

# Every dependency, dev ones included: `next build` needs them, and so do the
# migrations (tsx, the WebAssembly schema engine) and the stand-in (oidc-provider).
FROM base AS deps
# Prisma's CLI, and the postinstall of @prisma/engines, download a native schema
# engine from Prisma's own servers unless this names one. Nothing here needs it
# (migrations run on the WebAssembly engine, as in the local stack), and the
# stub fails loudly should anything call it. (`prisma generate` then warns that it
# finds no libssl: it looks only to choose a native engine, and needs none.)
ENV PRISMA_SCHEMA_ENGINE_BINARY=/app/scripts/prisma-engine-stub.sh
COPY package.json package-lock.json prisma.config.ts ./
# What npm's postinstall (prisma generate) reads, so this layer is rebuilt only when they change.
COPY prisma/schema.prisma prisma/
COPY lib/db/dotenv.ts lib/db/
COPY scripts/prisma-generate.ts scripts/prisma-engine-stub.sh scripts/
RUN npm ci --loglevel=error

FROM deps AS build
COPY . .
RUN npm run build

# Compose's `migrate` runs scripts/db-migrate.ts (npm run db:migrate), the code the
# local stack and the tests apply migrations with; `gitlab-dev` runs the stand-in.
FROM deps AS tools
COPY prisma prisma
COPY lib/db lib/db
COPY lib/crypto lib/crypto
COPY lib/config.ts lib/
COPY scripts/db-migrate.ts scripts/
COPY infra/gitlab-dev infra/gitlab-dev
USER node

# The mlflow-hub CLI for the administrator (compose service `ops`, profile ops):
# the hub's sources it runs with tsx, pg_dump/pg_restore of Postgres 15
# (bookworm's client matches the server's major version), and the MLflow server's
# pins in a virtualenv, which migrate-sharinghub upgrades and copies databases with.
FROM deps AS ops
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-15 python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY infra/mlflow/requirements.txt /opt/mlflow-hub/requirements.txt
RUN python3 -m venv /opt/mlflow \
 && /opt/mlflow/bin/pip install --no-cache-dir --disable-pip-version-check -r /opt/mlflow-hub/requirements.txt
ENV MLFLOW_HUB_PYTHON=/opt/mlflow/bin/python
COPY tsconfig.json ./
COPY bin bin
COPY cli cli
COPY lib lib
USER node
ENTRYPOINT ["node", "bin/mlflow-hub.mjs"]

# Only the standalone server and the node_modules it traced; `npm run build` has
# already put .next/static beside server.js (scripts/standalone-assets.ts).
FROM base AS hub
# Docker sets HOSTNAME to the container id, and the standalone server binds to HOSTNAME.
ENV NODE_ENV=production \
    PORT=3000 \
    HOSTNAME=0.0.0.0
COPY --from=build --chown=node:node /app/.next/standalone ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--initial-old-space-size=128", "hub-server.mjs"]
