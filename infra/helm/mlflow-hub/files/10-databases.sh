#!/bin/bash
# Runs once, when the postgres image initialises an empty data volume: one
# database per consumer, each owned by its own role, as infra/local/postgres.ts
# sets up the local stack (MLflow cannot read the hub's sessions, and back).
# The passwords come from .env through docker-compose.yml.
set -euo pipefail

: "${POSTGRES_HUB_PASSWORD:?is required}"
: "${POSTGRES_MLFLOW_PASSWORD:?is required}"

# psql's :'name' quotes each password as a literal, whatever it contains.
psql --set=ON_ERROR_STOP=1 --username="$POSTGRES_USER" --dbname=postgres \
  --set=hub_password="$POSTGRES_HUB_PASSWORD" \
  --set=mlflow_password="$POSTGRES_MLFLOW_PASSWORD" <<'SQL'
CREATE ROLE hub WITH LOGIN PASSWORD :'hub_password';
CREATE DATABASE hub OWNER hub;
CREATE ROLE mlflow WITH LOGIN PASSWORD :'mlflow_password';
CREATE DATABASE mlflow OWNER mlflow;
SQL
