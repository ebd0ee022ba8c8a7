import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { configSchema, parseConfig } from "../../lib/config.ts";
import {
  envFileNames,
  filledExampleEnv,
  interpolateTree,
  isOneShot,
  isPinned,
  loadCompose,
  networksOf,
  readRepoFile,
  referencedVariables,
  secretNames,
  stringValues,
  type ComposeFile,
} from "./compose-file.ts";
import { keyword, readStages, stageNamed } from "./dockerfile.ts";

const compose = loadCompose();
const { services } = compose;
const envExample = readRepoFile(".env.example");
const exampleNames = envFileNames(envExample);
const composeVariables = [...new Set(stringValues(compose).flatMap(referencedVariables))];
const hubConfigNames = Object.keys(configSchema.shape);

// dclint ships the Compose Specification's own JSON schema (compose-spec/compose-spec, schema/compose-spec.json).
const require = createRequire(import.meta.url);
const specSchema = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve("dclint/package.json")), "schemas", "compose.schema.json"), "utf8"));

function specValidator() {
  // The schema names draft-07 by its https address; Ajv registers draft-07 under http.
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  const draft07 = require("ajv/dist/refs/json-schema-draft-07.json") as Record<string, unknown>;
  ajv.addMetaSchema({ ...draft07, $id: specSchema.$schema });
  return ajv.compile(specSchema);
}

describe("docker-compose.yml and the Compose Specification", () => {
  const validate = specValidator();

  it("validates against the Compose Specification schema", () => {
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("would fail that validation with a key or a condition Compose does not know", () => {
    const broken = structuredClone(compose) as ComposeFile & { services: Record<string, Record<string, unknown>> };
    broken.services.hub.healthcheck_url = "/api/health";
    expect(validate(broken)).toBe(false);
    const badCondition = structuredClone(compose);
    badCondition.services.hub.depends_on!.mlflow.condition = "service_ready";
    expect(validate(badCondition)).toBe(false);
  });

  it("pins every image it pulls to a release, never latest or untagged, the project's own images' defaults included", () => {
    for (const [name, s] of Object.entries(interpolateTree(compose, filledExampleEnv({})).services)) {
      expect(s.image ?? s.build, `${name} has neither image nor build`).toBeDefined();
      if (s.image) expect(isPinned(s.image), `${name}: ${s.image}`).toBe(true);
    }
    expect(services.traefik.image).toMatch(/^traefik:v3\./);
  });
});

describe("networks", () => {
  it("keeps MLflow, Postgres and MinIO on the internal network only, without published ports", () => {
    for (const name of ["mlflow", "mlflow-gc", "postgres", "minio-bucket", "migrate"]) {
      expect(networksOf(services[name]), name).toEqual(["internal"]);
      expect(services[name].ports, name).toBeUndefined();
    }
    // MinIO also joins Traefik on `storage`, which S3_PUBLIC_DOMAIN may publish it through.
    expect(networksOf(services.minio).sort()).toEqual(["internal", "storage"]);
    expect(services.minio.ports).toBeUndefined();
  });

  it("gives the internal networks no route outside", () => {
    expect(compose.networks.internal.internal).toBe(true);
    expect(compose.networks.storage.internal).toBe(true);
    expect(compose.networks.serving.internal).toBe(true);
    expect(compose.networks.edge?.internal).toBeFalsy();
  });

  it("puts the hub on its three networks, Traefik on the edge and MinIO's storage network, and nothing else on storage", () => {
    expect(networksOf(services.hub).sort()).toEqual(["edge", "internal", "serving"]);
    expect(networksOf(services.traefik).sort()).toEqual(["edge", "storage"]);
    const onStorage = Object.entries(services).filter(([, s]) => networksOf(s).includes("storage")).map(([name]) => name);
    expect(onStorage.sort()).toEqual(["minio", "traefik"]);
  });

  it("puts the serving runtime, which runs untrusted model code, on the serving network alone, which it shares with the hub only", () => {
    expect(networksOf(services.serving)).toEqual(["serving"]);
    expect(services.serving.ports).toBeUndefined();
    const onServing = Object.entries(services).filter(([, s]) => networksOf(s).includes("serving")).map(([name]) => name);
    expect(onServing.sort()).toEqual(["hub", "serving"]);
    // No network of MLflow's, Postgres', MinIO's or GitLab's: their names do not even resolve there.
    for (const other of ["mlflow", "postgres", "minio", "minio-bucket", "mlflow-gc", "gitlab-dev", "traefik"]) {
      expect(networksOf(services[other]).filter((n) => networksOf(services.serving).includes(n)), other).toEqual([]);
    }
  });

  it("gives the serving runtime the hub's address on that network and the one capability its namespaces need", () => {
    const env = interpolateTree(compose, filledExampleEnv({})).services;
    expect(env.serving.environment).toMatchObject({ SERVING_HUB_URL: "http://hub:3000", SERVING_NETWORK_ISOLATION: "required", SERVING_HOST: "0.0.0.0" });
    expect(env.hub.environment!.SERVING_URL).toBe(`http://serving:${env.serving.environment!.SERVING_PORT}`);
    expect(env.hub.environment!.SERVING_TOKEN).toBe(env.serving.environment!.SERVING_TOKEN);
    const serving = services.serving as Record<string, unknown>;
    expect(serving.cap_add).toEqual(["SYS_ADMIN"]);
    for (const key of ["privileged", "security_opt", "cap_drop", "devices", "network_mode", "pid", "ipc"]) expect(serving[key], key).toBeUndefined();
    // No credential of the stack: only its own token, the hub's URL and its limits.
    expect(Object.keys(services.serving.environment!).filter((n) => /SECRET|PASSWORD|DATABASE|S3_|GITLAB|AWS|AUTH/.test(n))).toEqual([]);
    // Serving is on by default, and off with SERVING_URL set empty.
    expect(interpolateTree(compose, filledExampleEnv({ SERVING_URL: "" })).services.hub.environment!.SERVING_URL).toBe("");
  });

  it("publishes ports only for Traefik (HTTP, HTTPS) and the demo's GitLab stand-in, on every address unless PUBLISH_ADDRESS names one", () => {
    const publishing = Object.entries(services).filter(([, s]) => s.ports?.length).map(([name]) => name);
    expect(publishing.sort()).toEqual(["gitlab-dev", "traefik"]);
    const ports = (env: Record<string, string>) => interpolateTree(compose, filledExampleEnv(env)).services.traefik.ports;
    expect(ports({})).toEqual(["80:80", "443:443"]);
    expect(ports({ PUBLISH_ADDRESS: "127.0.0.1", HTTP_PORT: "18080", HTTPS_PORT: "18443" })).toEqual(["127.0.0.1:18080:80", "127.0.0.1:18443:443"]);
    expect(services["gitlab-dev"].profiles).toEqual(["demo"]);
  });
});

describe("health, start order and operations", () => {
  const hubImage = readStages(readRepoFile("Dockerfile"));

  // Compose waits for a one-shot job's exit code (service_completed_successfully);
  // a healthcheck on a container that exits in seconds would never be consulted.
  it("healthchecks every long-running service, in compose or in the image it builds", () => {
    for (const [name, s] of Object.entries(services)) {
      if (isOneShot(s)) {
        expect(s.healthcheck, `${name} is a one-shot job`).toBeUndefined();
        continue;
      }
      const inImage = s.build?.context === "." && keyword(stageNamed(hubImage, s.build.target!), "HEALTHCHECK").length > 0;
      expect(s.healthcheck?.test.length || inImage, `${name} has no healthcheck`).toBeTruthy();
    }
  });

  it("makes every dependant wait for health, or for a one-shot job to succeed", () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        const expected = isOneShot(services[dependency]) ? "service_completed_successfully" : "service_healthy";
        expect(condition, `${name} → ${dependency}`).toBe(expected);
      }
    }
  });

  it("starts the hub after its migrations succeed and MLflow is healthy, and MLflow after its bucket exists", () => {
    expect(Object.keys(services.hub.depends_on ?? {}).sort()).toEqual(["migrate", "mlflow"]);
    expect(Object.keys(services.mlflow.depends_on ?? {}).sort()).toEqual(["minio-bucket", "postgres"]);
  });

  it("restarts long-running services unless stopped, and never reruns a one-shot job", () => {
    for (const [name, s] of Object.entries(services)) expect(s.restart, name).toBe(isOneShot(s) ? "no" : "unless-stopped");
    expect(Object.entries(services).filter(([, s]) => isOneShot(s)).map(([n]) => n).sort()).toEqual(["migrate", "minio-bucket", "ops"]);
  });

  it("rotates every service's logs", () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.logging?.driver, name).toBe("json-file");
      expect(s.logging?.options, name).toMatchObject({ "max-size": expect.stringMatching(/^\d+m$/), "max-file": expect.stringMatching(/^\d+$/) });
    }
  });

  it("keeps the data of every stateful service in a named volume", () => {
    const stateful = { postgres: "/var/lib/postgresql/data", minio: "/data", traefik: "/letsencrypt", serving: "/var/lib/mlflow-serving" };
    for (const [name, dir] of Object.entries(stateful)) {
      const mount = services[name].volumes?.find((v) => v.split(":")[1] === dir);
      expect(mount, `${name} ${dir}`).toBeDefined();
      expect(Object.keys(compose.volumes), `${name} ${dir}`).toContain(mount!.split(":")[0]);
    }
  });
});

describe("variables", () => {
  it("reads only variables that .env.example lists", () => {
    expect(composeVariables.filter((v) => !exampleNames.includes(v))).toEqual([]);
  });

  it("lists in .env.example only variables that compose or the hub reads", () => {
    expect(exampleNames.filter((v) => !composeVariables.includes(v) && !hubConfigNames.includes(v))).toEqual([]);
  });

  it("lists every variable the hub's config schema reads in .env.example", () => {
    expect(hubConfigNames.filter((v) => !exampleNames.includes(v))).toEqual([]);
  });

  it("gives the hub exactly the variables lib/config.ts reads, each from the .env variable of that name", () => {
    const environment = services.hub.environment ?? {};
    expect(Object.keys(environment).sort()).toEqual([...hubConfigNames].sort());
    for (const [name, value] of Object.entries(environment)) expect(referencedVariables(value)[0], name).toBe(name);
  });

  it("gives the hub a configuration lib/config.ts accepts from a .env filled in as .env.example says", () => {
    const env = filledExampleEnv();
    const hub = interpolateTree(services.hub.environment!, env);
    const config = parseConfig(hub);
    expect(config.AUTH_URL).toBe(`https://${env.HUB_DOMAIN}`);
    expect(config.DATABASE_URL).toBe(`postgresql://hub:${env.POSTGRES_HUB_PASSWORD}@postgres:5432/hub`);
    expect(interpolateTree(services.migrate.environment!, env).DATABASE_URL).toBe(config.DATABASE_URL);
  });

  it("refuses to start with any secret .env.example marks CHANGE ME left empty", () => {
    const secrets = secretNames(envExample);
    expect(secrets).toEqual(expect.arrayContaining(["AUTH_SECRET", "GITLAB_CLIENT_SECRET", "S3_SECRET_KEY", "POSTGRES_ADMIN_PASSWORD"]));
    for (const secret of secrets) {
      expect(() => interpolateTree(compose, filledExampleEnv({ [secret]: "" })), secret).toThrow(`required variable ${secret} is missing a value`);
    }
  });
});
