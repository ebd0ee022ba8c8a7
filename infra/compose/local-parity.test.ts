// The local stack (npm run local, and every test suite) and the compose appliance
// must run the same servers the same way, or the tests prove nothing about a server.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.ts";
import { gcWorkerEnv } from "../local/gc.ts";
import { mlflowBackendStoreUri, mlflowServerArgs, mlflowServerEnv } from "../local/mlflow.ts";
import { portsWithOffset } from "../local/ports.ts";
import { postgresUrls } from "../local/postgres.ts";
import type { LocalSecrets } from "../local/secrets.ts";
import { servingEnv } from "../local/serving.ts";
import { hubEnv } from "../local/stack.ts";
import { MINIO_RELEASE, POSTGRES_MAJOR } from "../local/versions.ts";
import { loadCompose, readRepoFile } from "./compose-file.ts";
import { readStages } from "./dockerfile.ts";

const { services } = loadCompose();
const option = (args: string[], name: string) => args[args.indexOf(name) + 1];
const localSecrets: LocalSecrets = {
  postgresAdminPassword: "admin-pw",
  postgresHubPassword: "hub-pw",
  postgresMlflowPassword: "mlflow-pw",
  s3AccessKey: "hub-key",
  s3SecretKey: "s3-secret",
  authSecret: "a".repeat(43),
  tokenEncryptionKey: "k".repeat(43),
  gitlabClientId: "mlflow-hub-local",
  gitlabClientSecret: "gitlab-secret",
  gitlabWebhookSecret: "w".repeat(43),
  metricsToken: "m".repeat(43),
  servingToken: "v".repeat(43),
};
const ports = portsWithOffset(0);
const db = postgresUrls(ports.postgres, localSecrets);

describe("the local stack and the compose file", () => {
  it("start MLflow with the same options", () => {
    const args = services.mlflow.command!;
    const composeValues = {
      host: option(args, "--host"),
      port: Number(option(args, "--port")),
      backendStoreUri: option(args, "--backend-store-uri"),
      artifactsDestination: option(args, "--artifacts-destination"),
      allowedHosts: option(args, "--allowed-hosts").split(","),
      corsAllowedOrigins: option(args, "--cors-allowed-origins").split(","),
    };
    expect(args).toEqual(mlflowServerArgs(composeValues));
  });

  it("reach MLflow's database through psycopg2, as the same role into the same database", () => {
    const composeUri = option(services.mlflow.command!, "--backend-store-uri");
    const local = new URL(db.mlflow);
    expect(composeUri).toBe(mlflowBackendStoreUri(`postgresql://${local.username}:\${POSTGRES_MLFLOW_PASSWORD:?set POSTGRES_MLFLOW_PASSWORD in .env (see .env.example)}@postgres:5432${local.pathname}`));
  });

  it("give MLflow the same environment variables", () => {
    const local = mlflowServerEnv({ s3Endpoint: "http://s3", s3AccessKey: "k", s3SecretKey: "s", s3Region: "r" });
    expect(Object.keys(services.mlflow.environment!).sort()).toEqual(Object.keys(local).sort());
    expect(services.mlflow.environment).toMatchObject({ MLFLOW_DISABLE_TELEMETRY: local.MLFLOW_DISABLE_TELEMETRY, DO_NOT_TRACK: local.DO_NOT_TRACK });
  });

  it("give the garbage collector the same environment variables", () => {
    const local = gcWorkerEnv({ hubDatabaseUrl: db.hub, mlflowDatabaseUrl: db.mlflow, mlflowUrl: "http://m", schedule: "0 3 * * 0", olderThan: "30d" });
    expect(Object.keys(services["mlflow-gc"].environment!).sort()).toEqual(Object.keys(local).sort());
  });

  it("give the serving runtime the same environment variables, and it holds no other credential than its token", () => {
    const local = servingEnv({ port: 5002, token: "t".repeat(43), hubUrl: "http://h", dataDir: "/d", uidBase: "61000" });
    expect(Object.keys(services.serving.environment!).sort()).toEqual(Object.keys(local).sort());
    expect(services.serving.environment).toMatchObject({ SERVING_NETWORK_ISOLATION: local.SERVING_NETWORK_ISOLATION, MLFLOW_DISABLE_TELEMETRY: local.MLFLOW_DISABLE_TELEMETRY });
  });

  it("give the hub every variable the local stack gives it, and besides only ones it may go without", () => {
    const local = hubEnv({ ports, secrets: localSecrets, db });
    const composeNames = Object.keys(services.hub.environment!);
    expect(Object.keys(local).filter((name) => !composeNames.includes(name))).toEqual([]);
    // The local stack's variables alone are a complete configuration, so whatever
    // compose adds is optional (gateway tuning, the CI job token's service token).
    expect(() => parseConfig(local)).not.toThrow();
  });

  it("run the same MinIO release, MLflow release and Postgres major version", () => {
    expect(services.minio.image).toBe(`minio/minio:${MINIO_RELEASE}`);
    expect(services["minio-bucket"].image).toBe(`minio/minio:${MINIO_RELEASE}`);
    expect(services.postgres.image).toMatch(new RegExp(`^postgres:${POSTGRES_MAJOR}\\.`));
    const pinned = /^mlflow==(\S+)$/m.exec(readRepoFile("infra/mlflow/requirements.txt"))?.[1];
    expect(readStages(readRepoFile("infra/mlflow/Dockerfile"))[0].base).toBe(`ghcr.io/mlflow/mlflow:v${pinned}`);
    // The serving runtime's image starts from the same MLflow image, and installs the local stack's serving pins.
    expect(/^mlflow==(\S+)$/m.exec(readRepoFile("infra/serving/requirements.txt"))?.[1]).toBe(pinned);
    expect(readStages(readRepoFile("infra/serving/Dockerfile"))[0].base).toBe(`ghcr.io/mlflow/mlflow:v${pinned}`);
  });
});
