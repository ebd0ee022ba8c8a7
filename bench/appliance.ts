// The compose appliance's artifact throughput (issue #10): one file of BENCH_APPLIANCE_MB
// (default 1024) up and down with the stock MLflow client, three ways, in one run:
//   - MLflow directly, from a container on the appliance's internal network (its own
//     multipart and presigned transfers to MinIO, which it can reach there);
//   - from the host through Traefik and the hub's gateway (the default: every byte proxied);
//   - from the host with S3_PUBLIC_URL (the hub signs, the bytes go Traefik → MinIO).
// Run by `scripts/test-appliance --bench` (npm run bench:appliance), which starts the stack;
// appends the table to docs/benchmarks.md. Nothing here passes or fails.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { composeOk, HUB_URL, PROJECT, REPO_ROOT, run } from "../e2e/appliance/appliance.ts";

const MB = Number(process.env.BENCH_APPLIANCE_MB ?? 1024);
const SDK_PYTHON = path.join(process.env.SDK_VENV ?? "", "bin", "python");
const SCRIPT = path.join(REPO_ROOT, "bench", "appliance_transfer.py");
const FLOOD = { path: "ml-team/flood-detection", workspace: "gitlab-101" };

interface Transfer {
  mb: number;
  up_s: number;
  down_s: number;
  identical: boolean;
}

function parse(label: string, r: { status: number | null; stdout: string; stderr: string }): Transfer {
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) throw new Error(`${label} failed (${r.status}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(line) as Transfer;
}

function fromHost(label: string): Transfer {
  const env = { ...process.env, MLFLOW_TRACKING_URI: `${HUB_URL.origin}/mlflow/${FLOOD.path}/tracking/`, MLFLOW_TRACKING_TOKEN: "glpat-alice-demo" };
  return parse(label, run(SDK_PYTHON, [SCRIPT, String(MB)], { env }));
}

function insideStack(): Transfer {
  const image = composeOk(["images", "mlflow", "--format", "json"]);
  const { Repository, Tag } = (JSON.parse(image) as { Repository: string; Tag: string }[])[0];
  // Sized like the host runs: the container's writable layer holds the file and its copy.
  const args = ["run", "--rm", "--network", `${PROJECT}_internal`, "-v", `${SCRIPT}:/bench/appliance_transfer.py:ro`,
    "-e", "MLFLOW_TRACKING_URI=http://mlflow:5000", "-e", `MLFLOW_WORKSPACE=${FLOOD.workspace}`, "--entrypoint", "python", `${Repository}:${Tag}`, "/bench/appliance_transfer.py", String(MB)];
  return parse("MLflow directly", run("docker", args));
}

function setEnv(name: string, value: string) {
  const file = process.env.APPLIANCE_ENV_FILE!;
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => !l.startsWith(`${name}=`) && l !== "");
  fs.writeFileSync(file, [...lines, `${name}='${value}'`, ""].join("\n"));
}

const rate = (t: Transfer, s: number) => `${(t.mb / s).toFixed(0)} MiB/s (${s.toFixed(1)} s)`;

// Through the hub first: its first request creates the project's workspace, which MLflow directly then needs.
const proxied = fromHost("through the hub");
console.log("through the hub", proxied);
const direct = insideStack();
console.log("MLflow directly", direct);
setEnv("S3_PUBLIC_DOMAIN", process.env.APPLIANCE_S3_DOMAIN!);
setEnv("S3_PUBLIC_URL", `https://${process.env.APPLIANCE_S3_DOMAIN}:${process.env.APPLIANCE_HTTPS_PORT}`);
composeOk(["up", "-d", "--wait", "--wait-timeout", "300", "--pull", "never"]);
const publicStore = fromHost("with S3_PUBLIC_URL");
console.log("with S3_PUBLIC_URL", publicStore);

const rows = [
  ["MLflow directly, inside the stack", direct],
  ["through Traefik and the hub (default)", proxied],
  ["with S3_PUBLIC_URL (Traefik → MinIO)", publicStore],
] as const;
const lines = [
  "",
  `## The compose appliance: ${MB} MiB artifact with the stock client (bench/appliance.ts)`,
  "",
  `Run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Docker engine 20.10, the stand-in base images. One run; every byte checked (SHA-256).`,
  "",
  "| path | upload | download | identical |",
  "|---|---|---|---|",
  ...rows.map(([label, t]) => `| ${label} | ${rate(t, t.up_s)} | ${rate(t, t.down_s)} | ${t.identical ? "yes" : "NO"} |`),
  "",
];
console.log(lines.join("\n"));
fs.appendFileSync(path.join(REPO_ROOT, "docs", "benchmarks.md"), lines.join("\n"));
console.log("appended to docs/benchmarks.md");
