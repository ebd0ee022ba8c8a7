import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import dockerignore from "@balena/dockerignore";
import { describe, expect, it } from "vitest";
import nextConfig from "../../next.config.ts";
import { HUB_NODE_FLAGS } from "../local/hub.ts";
import { isPinned, loadCompose, readRepoFile, REPO_ROOT } from "./compose-file.ts";
import {
  directives,
  environment,
  execForm,
  flag,
  keyword,
  lineage,
  localImports,
  placedAt,
  readStages,
  stageNamed,
  words,
  workdir,
  type Stage,
} from "./dockerfile.ts";

const hubStages = readStages(readRepoFile("Dockerfile"));
const mlflowStages = readStages(readRepoFile("infra/mlflow/Dockerfile"));
const servingStages = readStages(readRepoFile("infra/serving/Dockerfile"));
const ignored = dockerignore().add(readRepoFile(".dockerignore").split("\n"));
const pkg = JSON.parse(readRepoFile("package.json")) as { scripts: Record<string, string>; engines: { node: string } };

/** What a RUN step writes cannot be read from a Dockerfile: the build products COPY --from relies on. */
const BUILD_PRODUCTS: Record<string, string[]> = {
  "npm run build": [".next/standalone"],
};

const copies = (stage: Stage) => keyword(stage, "COPY");
const sources = (copy: Stage["instructions"][number]) => words(copy).slice(0, -1);
const isDirectory = (source: string) => fs.statSync(path.join(REPO_ROOT, source)).isDirectory();
const runs = (stage: Stage) => keyword(stage, "RUN").map((r) => words(r).join(" "));

describe("image pins", () => {
  it("tells a pinned image from a floating one", () => {
    for (const pinned of ["postgres:15.18-bookworm", "traefik:v3.6.14", "minio/minio:RELEASE.2025-09-07T16-13-09Z", "ghcr.io/mlflow/mlflow:v3.17.2"]) expect(isPinned(pinned), pinned).toBe(true);
    for (const floating of ["postgres", "postgres:latest", "traefik:v3", "node:20-slim", "localhost:5000/hub"]) expect(isPinned(floating), floating).toBe(false);
  });

  it("builds every image from pinned base images or earlier stages", () => {
    for (const [file, stages] of [["Dockerfile", hubStages], ["infra/mlflow/Dockerfile", mlflowStages], ["infra/serving/Dockerfile", servingStages]] as const) {
      stages.forEach((stage, i) => {
        const earlier = stages.slice(0, i).map((s) => s.name);
        expect(earlier.includes(stage.base) || isPinned(stage.base), `${file}: FROM ${stage.base}`).toBe(true);
      });
    }
  });

  it("runs the hub on a Node that package.json's engines accept", () => {
    const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node) ?? [];
    const [imageMajor, imageMinor] = /^node:(\d+)\.(\d+)/.exec(hubStages[0].base)!.slice(1).map(Number);
    expect(imageMajor).toBe(Number(major));
    expect(imageMinor).toBeGreaterThanOrEqual(Number(minor));
  });
});

describe("the hub's Dockerfile", () => {
  it("copies in only files that are in the build context", () => {
    for (const stage of hubStages) {
      for (const copy of copies(stage).filter((c) => !flag(c, "from"))) {
        for (const source of sources(copy)) {
          expect(fs.existsSync(path.join(REPO_ROOT, source)), `COPY ${source}: not in the repository`).toBe(true);
          expect(source === "." || !ignored.ignores(path.normalize(source)), `COPY ${source}: excluded by .dockerignore`).toBe(true);
        }
      }
    }
  });

  it("copies from other stages only what an earlier stage built", () => {
    hubStages.forEach((stage, i) => {
      for (const copy of copies(stage).filter((c) => flag(c, "from"))) {
        const from = flag(copy, "from")!;
        expect(hubStages.slice(0, i).map((s) => s.name), `COPY --from=${from} in stage ${stage.name}`).toContain(from);
        const made = lineage(hubStages, from)
          .flatMap(runs)
          .flatMap((run) => BUILD_PRODUCTS[run] ?? [])
          .map((p) => path.posix.join(workdir(hubStages, from), p));
        for (const source of sources(copy)) expect(made, `COPY --from=${from} ${source}`).toContain(source);
      }
    });
  });

  it("builds the standalone server with its static files beside it, as BUILD_PRODUCTS says", () => {
    expect(nextConfig.output).toBe("standalone");
    expect(pkg.scripts.build).toMatch(/^next build && tsx scripts\/standalone-assets\.ts( && |$)/);
  });

  it("gives npm ci every file its postinstall (prisma generate) reads", { timeout: 60_000 }, () => {
    const deps = stageNamed(hubStages, "deps");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-deps-stage-"));
    try {
      for (const copy of copies(deps)) {
        const dest = words(copy).at(-1)!;
        for (const source of sources(copy)) fs.cpSync(path.join(REPO_ROOT, source), path.join(dir, dest, path.basename(source)), { recursive: true });
      }
      fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
      // The stage's own engine setting, pointed at the same file in the copy.
      const engine = path.join(dir, path.posix.relative(workdir(hubStages, "deps"), environment(hubStages, "deps").PRISMA_SCHEMA_ENGINE_BINARY));
      const env = { ...process.env, DATABASE_URL: "", PRISMA_SCHEMA_ENGINE_BINARY: engine };
      const run = spawnSync("npm", ["run", "--silent", "postinstall"], { cwd: dir, encoding: "utf8", env });
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(fs.existsSync(path.join(dir, "lib", "generated", "prisma", "client.ts"))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs the standalone server as a non-root user", () => {
    const hub = stageNamed(hubStages, "hub");
    expect(words(keyword(hub, "USER").at(-1)!)[0]).not.toMatch(/^(root|0)(:|$)/);
    // The same Node flags as the local stack's hub (infra/local/hub.ts says why).
    expect(execForm(keyword(hub, "CMD").at(-1)!)).toEqual(["node", ...HUB_NODE_FLAGS, "hub-server.mjs"]);
    const standalone = copies(hub).find((c) => sources(c).includes("/app/.next/standalone"));
    expect(standalone && flag(standalone, "chown")).toBe("node:node");
  });

  it("checks the hub's health on /api/health at the port the server listens on", () => {
    const hub = stageNamed(hubStages, "hub");
    const port = keyword(hub, "ENV").flatMap(words).find((w) => w.startsWith("PORT="))?.slice("PORT=".length);
    expect(keyword(hub, "HEALTHCHECK").at(-1)?.getRawArgumentsContent()).toContain(`http://127.0.0.1:${port}/api/health`);
    expect(fs.existsSync(path.join(REPO_ROOT, "app", "api", "health", "route.ts"))).toBe(true);
  });

  it("keeps dev dependencies, migrations and the stand-in in the tools stage compose runs them from", () => {
    const tools = lineage(hubStages, "tools");
    const install = tools.flatMap((s) => keyword(s, "RUN")).map((r) => words(r).join(" ")).find((r) => r.startsWith("npm ci"));
    expect(install).toBeDefined();
    expect(install).not.toMatch(/--omit[= ]dev|--production/);
    expect(tools.flatMap(copies).flatMap(sources)).toEqual(expect.arrayContaining(["prisma", "infra/gitlab-dev"]));
    const { services } = loadCompose();
    for (const name of ["migrate", "gitlab-dev"]) expect(services[name].build, name).toEqual({ context: ".", target: "tools" });
    expect(services.hub.build).toEqual({ context: ".", target: "hub" });
  });
});

describe("migrations in the images", () => {
  const { services } = loadCompose();
  const stub = "scripts/prisma-engine-stub.sh";

  it("has no syntax directive, which would make BuildKit fetch its frontend from a registry", () => {
    for (const file of ["Dockerfile", "infra/mlflow/Dockerfile"]) expect(directives(readRepoFile(file)), file).not.toContain("syntax");
  });

  it("points Prisma at the failing engine stub before any npm install, so no stage downloads a native schema engine", () => {
    const installs = hubStages.flatMap((stage) =>
      keyword(stage, "RUN")
        .filter((r) => /\bnpm (ci|install|i)\b|\bprisma\b/.test(words(r).join(" ")))
        .map((run) => ({ stage: stage.name!, run })),
    );
    expect(installs.map((i) => i.stage)).toContain("deps");
    for (const { stage, run } of installs) {
      const engine = environment(hubStages, stage).PRISMA_SCHEMA_ENGINE_BINARY;
      expect(engine, `stage ${stage}: PRISMA_SCHEMA_ENGINE_BINARY`).toBeDefined();
      expect(placedAt(hubStages, stage, stub, isDirectory, run), `stage ${stage}: ${stub} copied in before it runs`).toBe(engine);
    }
    // Prisma runs the file it names; a stub that exits 0 would make `migrate deploy` apply nothing and succeed.
    fs.accessSync(path.join(REPO_ROOT, stub), fs.constants.X_OK);
    expect(spawnSync(path.join(REPO_ROOT, stub), ["--version"]).status).not.toBe(0);
    for (const stage of hubStages) expect(runs(stage).join("\n"), `stage ${stage.name}`).not.toMatch(/prisma migrate|schema-engine-/);
  });

  it("runs compose's migrate with the script the local stack and npm run db:migrate apply migrations with", async () => {
    const script = "scripts/db-migrate.ts";
    expect(services.migrate.command).toEqual(["node", "--import", "tsx", script]);
    expect(pkg.scripts["db:migrate"]).toBe(`tsx ${script}`);
    // One migration code path: the script and the local stack both run lib/db/migrate.ts.
    expect(await localImports(REPO_ROOT, script)).toContain("lib/db/migrate.ts");
    expect(await localImports(REPO_ROOT, "infra/local/stack.ts")).toContain("lib/db/migrate.ts");
  });

  it("gives the tools stage every source file its compose commands import, and the migrations, where the code looks for them", async () => {
    const dir = workdir(hubStages, "tools");
    const migration = fs.readdirSync(path.join(REPO_ROOT, "prisma/migrations")).find((m) => m !== "migration_lock.toml")!;
    const needed = [`prisma/migrations/${migration}/migration.sql`, "prisma/migrations/migration_lock.toml"];
    for (const name of ["migrate", "gitlab-dev"]) {
      expect(services[name].build, name).toEqual({ context: ".", target: "tools" });
      const entry = (services[name].command as string[]).find((arg) => arg.endsWith(".ts"))!;
      needed.push(...(await localImports(REPO_ROOT, entry)));
    }
    for (const file of needed) expect(placedAt(hubStages, "tools", file, isDirectory), file).toBe(path.posix.join(dir, file));
  });
});

describe("MLflow's Dockerfile", () => {
  const requirements = readRepoFile("infra/mlflow/requirements.txt");
  const [stage] = mlflowStages;

  it("builds on the official image of the MLflow release requirements.txt pins", () => {
    const mlflow = /^mlflow==(\S+)$/m.exec(requirements)?.[1];
    expect(mlflowStages).toHaveLength(1);
    expect(stage.base).toBe(`ghcr.io/mlflow/mlflow:v${mlflow}`);
  });

  it("installs requirements.txt, so psycopg2-binary and boto3 are the local stack's pins", () => {
    expect(requirements).toMatch(/^psycopg2-binary==\S+$/m);
    expect(requirements).toMatch(/^boto3==\S+$/m);
    const copy = copies(stage).find((c) => sources(c).includes("requirements.txt"));
    const target = copy && words(copy).at(-1);
    expect(keyword(stage, "RUN").map((r) => words(r).join(" ")).some((r) => r.includes(`pip install`) && r.includes(`-r ${target}`))).toBe(true);
  });

  it("runs MLflow as a non-root user", () => {
    expect(words(keyword(stage, "USER").at(-1)!)[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(execForm(keyword(stage, "ENTRYPOINT").at(-1)!)).toEqual(["mlflow"]);
  });
});

describe("the serving runtime's Dockerfile", () => {
  const requirements = readRepoFile("infra/serving/requirements.txt");
  const [stage] = servingStages;
  const { services } = loadCompose();

  it("builds on the same MLflow image as the MLflow server, of the release its requirements.txt pins", () => {
    const mlflow = /^mlflow==(\S+)$/m.exec(requirements)?.[1];
    expect(servingStages).toHaveLength(1);
    expect(stage.base).toBe(`ghcr.io/mlflow/mlflow:v${mlflow}`);
    expect(stage.base).toBe(mlflowStages[0].base);
    expect(services.serving.build).toEqual({ context: "infra/serving" });
  });

  it("installs requirements.txt, the local stack's serving pins, and checks util-linux's isolation tools are there", () => {
    const copy = copies(stage).find((c) => sources(c).includes("requirements.txt"));
    const target = copy && words(copy).at(-1);
    const install = runs(stage).find((r) => r.includes("pip install") && r.includes(`-r ${target}`));
    expect(install).toBeDefined();
    for (const tool of ["unshare", "setpriv", "prlimit"]) expect(install, tool).toContain(`${tool} --version`);
  });

  it("copies in only files of its build context, and runs the supervisor as root, which drops each model to its own uid", () => {
    for (const copy of copies(stage)) for (const source of sources(copy)) expect(fs.existsSync(path.join(REPO_ROOT, "infra/serving", source)), source).toBe(true);
    expect(words(keyword(stage, "USER").at(-1)!)[0]).toBe("root");
    const supervisor = copies(stage).find((c) => sources(c).includes("supervisor.py"))!;
    expect(execForm(keyword(stage, "ENTRYPOINT").at(-1)!)).toEqual(["python", words(supervisor).at(-1)]);
  });

  it("listens where compose's healthcheck and the hub's SERVING_URL look, and keeps its data where the volume is", () => {
    const env = environment(servingStages, "serving");
    expect(env.SERVING_PORT).toBe(services.serving.environment!.SERVING_PORT);
    expect(services.serving.healthcheck!.test.join(" ")).toContain(`http://127.0.0.1:${env.SERVING_PORT}/health`);
    expect(services.serving.volumes).toContain(`serving-data:${env.SERVING_DATA_DIR}`);
  });
});
