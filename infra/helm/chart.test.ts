// The Helm chart and the compose appliance must run the same images the same way:
// read as text and YAML here (nothing rendered; scripts/test-helm renders and installs).
import fs from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { configSchema } from "../../lib/config.ts";
import { interpolate, loadCompose, readRepoFile, REPO_ROOT } from "../compose/compose-file.ts";
import { servingEnv } from "../local/serving.ts";
import { SERVING_CAPABILITIES } from "./check-release.ts";

const CHART = "infra/helm/mlflow-hub";
const { services } = loadCompose();
const values = YAML.parse(readRepoFile(`${CHART}/values.yaml`));
const template = (name: string) => readRepoFile(`${CHART}/templates/${name}`);
const schema = JSON.parse(readRepoFile(`${CHART}/values.schema.json`));
/** The value an unset compose variable gives, e.g. ${HUB_IMAGE:-…} → its default. */
const composeDefault = (value: string) => interpolate(value, {});
/** `- name: X` entries of a template's env lists. */
const envNames = (text: string) => [...text.matchAll(/^\s*- name: ([A-Z][A-Z0-9_]*)$/gm)].map((m) => m[1]);
/** The block of a named template in _helpers.tpl. */
const helper = (name: string) => {
  const text = template("_helpers.tpl");
  const start = text.indexOf(`{{- define "${name}" -}}`);
  return text.slice(start, text.indexOf("{{- end -}}\n\n", start));
};
const hubConfigNames = Object.keys(configSchema.shape);

/** Helm's merge of a values file over values.yaml: maps merge key by key, a null removes the key. */
function merged(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    if (v === null) {
      delete out[k];
      continue;
    }
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b) ? merged(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
const valueSet = (name: string) => merged(values, YAML.parse(readRepoFile(`infra/helm/values/${name}.yaml`)) ?? {});

describe("the chart and the compose appliance", () => {
  it("run the same images, pinned the same", () => {
    expect(values.images).toMatchObject({
      hub: composeDefault(services.hub.image!),
      tools: composeDefault(services.migrate.image!),
      ops: composeDefault(services.ops.image!),
      mlflow: composeDefault(services.mlflow.image!),
      postgres: services.postgres.image,
      minio: services.minio.image,
    });
    expect(composeDefault(services["mlflow-gc"].image!)).toBe(values.images.mlflow);
    expect(composeDefault(services["gitlab-dev"].image!)).toBe(values.images.tools);
    expect(services["minio-bucket"].image).toBe(values.images.minio);
  });

  it("version the chart as the package, whose version the images carry", () => {
    const chart = YAML.parse(readRepoFile(`${CHART}/Chart.yaml`));
    const { version } = JSON.parse(readRepoFile("package.json"));
    expect(chart.appVersion).toBe(version);
    expect(values.images.hub.endsWith(`:${version}`)).toBe(true);
  });

  it("start MLflow with compose's arguments, in compose's order", () => {
    const text = template("mlflow.yaml");
    const block = text.slice(text.indexOf("          args:\n"), text.indexOf("          ports:\n", text.indexOf("          args:\n")));
    const args = [...block.matchAll(/^ {12}- (\S.*)$/gm)].map((m) => m[1]);
    const options = (list: string[]) => list.filter((a) => a.startsWith("--"));
    const composeArgs = services.mlflow.command!;
    expect(options(args)).toEqual(options(composeArgs));
    expect(args[0]).toBe(composeArgs[0]);
    const option = (list: string[], name: string) => list[list.indexOf(name) + 1].replace(/^"(.*)"$/, "$1");
    expect(option(args, "--host")).toBe(option(composeArgs, "--host"));
    expect(option(args, "--port")).toBe(option(composeArgs, "--port"));
    expect(String(values.mlflow.workers)).toBe(option(composeArgs, "--workers"));
    expect(option(composeArgs, "--backend-store-uri")).toMatch(/^postgresql\+psycopg2:\/\//);
    expect(template("mlflow.yaml")).toContain('"scheme" "postgresql+psycopg2"');
  });

  it("give MLflow every variable compose gives it, with the same fixed values", () => {
    const text = template("mlflow.yaml");
    const names = envNames(text);
    for (const name of Object.keys(services.mlflow.environment!)) expect(names, name).toContain(name);
    for (const [name, value] of Object.entries(services.mlflow.environment!)) {
      if (/^(true|false)$/.test(value)) expect(text, name).toMatch(new RegExp(`- name: ${name}\\n\\s+value: "${value}"`));
    }
    expect(String(values.mlflow.pool.size)).toBe(services.mlflow.environment!.MLFLOW_SQLALCHEMYSTORE_POOL_SIZE);
    expect(String(values.mlflow.pool.maxOverflow)).toBe(services.mlflow.environment!.MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW);
  });

  it("let every variable compose gives the hub be set, under the name the hub reads", () => {
    const derived = ["mlflow-hub.hubEnv", "mlflow-hub.databaseEnv", "mlflow-hub.tokenKeysEnv"].flatMap((name) => envNames(helper(name)));
    const settable = new Set([...derived, ...Object.keys(values.hub.config)]);
    const missing = Object.keys(services.hub.environment!).filter((name) => !settable.has(name));
    expect(missing).toEqual([]);
    // Besides the server's own PORT and HOSTNAME and the passwords the URLs are built from, only names the hub reads.
    const plumbing = ["HOSTNAME", "PORT", "POSTGRES_HUB_PASSWORD", "POSTGRES_MLFLOW_PASSWORD"];
    expect([...settable].filter((name) => !plumbing.includes(name) && !hubConfigNames.includes(name))).toEqual([]);
  });

  it("document and validate exactly the hub settings values.yaml offers", () => {
    expect(Object.keys(schema.properties.hub.properties.config.properties).sort()).toEqual(Object.keys(values.hub.config).sort());
    const text = readRepoFile(`${CHART}/values.yaml`);
    for (const name of Object.keys(values.hub.config)) expect(text, name).toMatch(new RegExp(`#.*\\n\\s+${name}:`));
  });

  it("give the garbage collector compose's variables and defaults, and call only functions gc_worker.py has", () => {
    const gc = template("gc.yaml");
    expect(gc).toContain('include "mlflow-hub.databaseEnv" (dict "root" . "withMlflow" true)');
    const names = [...envNames(gc), ...envNames(helper("mlflow-hub.databaseEnv"))];
    for (const name of Object.keys(services["mlflow-gc"].environment!)) expect(names, name).toContain(name);
    expect(values.gc.schedule).toBe(composeDefault(services["mlflow-gc"].environment!.MLFLOW_GC_SCHEDULE));
    expect(values.gc.olderThan).toBe(composeDefault(services["mlflow-gc"].environment!.MLFLOW_GC_OLDER_THAN));
    const worker = readRepoFile("infra/mlflow/gc_worker.py");
    const used = [...readRepoFile(`${CHART}/files/gc_pass.py`).matchAll(/\bgc\.([a-z_]+)\(/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const fn of new Set(used)) expect(worker, fn).toMatch(new RegExp(`^def ${fn}\\(`, "m"));
    expect(template("gc.yaml")).toMatch(/concurrencyPolicy: Forbid/);
  });

  it("run the migrations compose's migrate service runs, before the hub starts", () => {
    const command = services.migrate.command!;
    expect(template("hub.yaml")).toContain(`command: ${JSON.stringify(command).replaceAll(",", ", ")}`);
    expect(template("hub.yaml")).toMatch(/initContainers:\n\s+- name: migrate\n\s+image: \{\{ \.Values\.images\.tools \}\}/);
    // With compose's variables: the migrations also seal the stored GitLab tokens, with the hub's keys.
    const migrate = /- name: migrate\n[\s\S]*?\n\s+env:\n((?:\s+\{\{-? include [^\n]+\n)+)/.exec(template("hub.yaml"))![1];
    const given = [...migrate.matchAll(/include "([^"]+)"/g)].flatMap((m) => envNames(helper(m[1])));
    for (const name of Object.keys(services.migrate.environment!)) expect(given, name).toContain(name);
  });

  it("set up the bundled Postgres with compose's init script, byte for byte", () => {
    expect(readRepoFile(`${CHART}/files/10-databases.sh`)).toBe(readRepoFile("infra/postgres/initdb/10-databases.sh"));
  });

  it("run the serving runtime with the variables the local stack gives it, and compose's image once compose has one", () => {
    const text = template("serving.yaml");
    const names = envNames(text);
    const local = servingEnv({ port: 5002, token: "t".repeat(32), hubUrl: "http://hub:3000", dataDir: "/d", uidBase: "61000" });
    for (const name of Object.keys(local)) expect(names, name).toContain(name);
    // Every SERVING_* variable the chart sets is one the supervisor reads.
    const supervisor = readRepoFile("infra/serving/supervisor.py");
    for (const name of names.filter((n) => n.startsWith("SERVING_"))) expect(supervisor, name).toContain(`setting("${name}"`);
    const compose = services.serving;
    if (compose) {
      expect(values.serving.image).toBe(composeDefault(compose.image!));
      for (const name of Object.keys(compose.environment ?? {}).filter((n) => n.startsWith("SERVING_"))) expect(names, name).toContain(name);
    }
  });

  it("give the serving runtime exactly the capabilities values.yaml explains, and check exactly those", () => {
    const added = /capabilities:\n\s+drop: \[ALL\]\n\s+add: \[([A-Z_, ]+)\]/.exec(template("serving.yaml"))![1].split(", ");
    expect([...added].sort()).toEqual(SERVING_CAPABILITIES);
    const text = readRepoFile(`${CHART}/values.yaml`);
    const documented = [...text.matchAll(/^ {2}# {5}([A-Z_]+) {2,}\S/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(SERVING_CAPABILITIES);
    // Kubernetes refuses allowPrivilegeEscalation false beside "CAP_SYS_ADMIN", not beside "SYS_ADMIN": spelt as the API expects.
    expect(added.every((c) => !c.startsWith("CAP_"))).toBe(true);
  });

  it("probe the hub on routes the hub has", () => {
    const hub = template("hub.yaml");
    expect(hub).toMatch(/readinessProbe:\n\s+httpGet: \{ path: \/api\/ready,/);
    expect(hub).toMatch(/livenessProbe:\n\s+httpGet: \{ path: \/api\/health,/);
    for (const route of ["ready", "health"]) expect(fs.existsSync(path.join(REPO_ROOT, "app/api", route, "route.ts")), route).toBe(true);
  });
});

describe("values.schema.json", () => {
  const ajv = new Ajv({ allErrors: true, strictTypes: false, allowUnionTypes: true });
  const validate = ajv.compile(schema);

  it.each(["minimal", "trial", "production"])("accepts the %s value set", (name) => {
    expect(validate(valueSet(name)), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("accepts values.yaml's defaults but for the settings only an installation knows", () => {
    expect(validate(values)).toBe(false);
    const missing = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== "if").map((e) => e.instancePath))];
    expect(missing.sort()).toEqual(["/existingSecret", "/gitlab/clientId", "/gitlab/url", "/ingress/host", "/postgres/host", "/s3/endpoint"].sort());
  });

  it.each([
    ["a misspelt key", { hub: { replica: 3 } }],
    ["a hub setting the hub does not read", { hub: { config: { GATEWAY_MAX_REQUEST: "5" } } }],
    ["an image tagged latest", { images: { hub: "registry.gitlab.com/mlflow-hub/mlflow-hub/hub:latest" } }],
    ["an untagged image", { images: { mlflow: "registry.gitlab.com/mlflow-hub/mlflow-hub/mlflow" } }],
    ["a memory limit in gigabytes", { hub: { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "1Gb" } } } }],
    // null removes a default in Helm's merge, as it does here.
    ["a container without limits", { mlflow: { resources: { limits: null } } }],
    ["a limit without memory", { gc: { resources: { limits: { memory: null } } } }],
    ["replicas as a word", { hub: { replicas: "two" } }],
    ["a schedule of four fields", { gc: { schedule: "0 3 * *" } }],
    ["an unknown Ingress controller", { ingress: { controller: "haproxy" } }],
    ["a serving memory that is not a whole number of MiB", { serving: { endpoint: { memoryMB: "1Gi" } } }],
    ["a fractional serving memory", { serving: { endpoint: { memoryMB: 1536.5 } } }],
    ["a misspelt serving key", { serving: { replicas: 2 } }],
    ["an endpoint uid range among system users", { serving: { uidBase: 100 } }],
    ["a serving image tagged latest", { serving: { image: "registry.gitlab.com/mlflow-hub/mlflow-hub/serving:latest" } }],
    ["a Localhost AppArmor profile without its name", { serving: { appArmorProfile: { type: "Localhost" } } }],
    ["SERVING_URL among the hub settings (serving.enabled sets it)", { hub: { config: { SERVING_URL: "http://elsewhere:5002" } } }],
    ["a bucket name S3 refuses", { s3: { bucket: "My_Bucket" } }],
    ["a role the hub does not know", { hub: { config: { DELETE_MIN_ACCESS_LEVEL: "guest" } } }],
  ])("refuses %s", (_, mistake) => {
    expect(validate(merged(valueSet("minimal"), mistake))).toBe(false);
  });

  it("refuses an external Postgres without a host", () => {
    expect(validate(merged(valueSet("minimal"), { postgres: { host: "" } }))).toBe(false);
    expect(validate(merged(valueSet("minimal"), { postgres: { host: "", bundled: { enabled: true } } }))).toBe(true);
  });
});
