import fs from "node:fs";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import YAML from "yaml";
import { DEMO_FIXTURE } from "./gitlab.ts";
import { stateDir } from "./paths.ts";
import { isAlive, LaunchError, tailLog } from "./proc.ts";
import { ensureMinio, ensureMlflowVenv, ensureSdkVenv, ensureSharingHubVenv, ensureServingVenv } from "./tools.ts";
import { runningServices, startStack, stopStackAt, type Stack } from "./stack.ts";

const USAGE = `Usage: tsx infra/local/cli.ts <command> [options]

Commands:
  up       start Postgres, MinIO, MLflow, the GitLab stand-in and the hub on loopback;
           Ctrl-C stops everything (with --detach: return once ready, stop later with "stop")
  stop     stop a stack started from the state folder
  status   list the stack's processes
  env      print the stack's environment (KEY=value), for tests and scripts
  tools    build/install what the stack and tests run (MinIO binary, MLflow, SDK and MLflow 2.14 virtualenvs) into the cache

Options:
  --dev              run the hub with "next dev" (hot reload) instead of the production build
  --no-hub           start the dependencies only (run "npm run dev" yourself)
  --detach           (up) leave the stack running in the background
  --state <dir>      state folder (default .local, or LOCAL_STATE_DIR)
  --port-offset <n>  shift every port by n (default 0, or LOCAL_PORT_OFFSET)
  --fixture <file>   GitLab stand-in world (default infra/gitlab-dev/fixtures/demo.yaml)
  --hub-replicas <n> run n hubs (up to 3) on the one database behind HAProxy, whose URL is the hub's
  --print            (tools) print KEY=path lines for scripts
`;

const say = (m: string) => process.stdout.write(`[local] ${m}\n`);

function printWelcome(stack: Stack, fixture: string) {
  const users = (YAML.parse(fs.readFileSync(fixture, "utf8")).users ?? []) as { username: string; password: string; admin?: boolean }[];
  const p = stack.ports;
  process.stdout.write(`
MLflow Hub is running — state in ${stack.dir}

  hub                ${stack.env.AUTH_URL}${stack.hubUrls.length > 1 ? `  (HAProxy in front of ${stack.hubUrls.join(", ")})` : ""}
  GitLab stand-in    ${stack.env.GITLAB_URL}
  MLflow (internal)  ${stack.env.MLFLOW_URL}
  MinIO (internal)   ${stack.env.S3_ENDPOINT}  console http://127.0.0.1:${p.minioConsole}
  Postgres           127.0.0.1:${p.postgres}  (databases hub, mlflow)
  logs               ${stack.dir}/logs/

Demo users (sign in through the stand-in): ${users.map((u) => u.username + (u.admin ? " (admin)" : "")).join(", ")}
Password for each: ${[...new Set(users.map((u) => u.password))].join(" / ")}

`);
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      dev: { type: "boolean", default: false },
      "no-hub": { type: "boolean", default: false },
      detach: { type: "boolean", default: false },
      state: { type: "string" },
      "port-offset": { type: "string" },
      fixture: { type: "string" },
      "hub-replicas": { type: "string" },
      print: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const dir = stateDir(values.state);

  switch (command) {
    case "up": {
      const fixture = values.fixture ?? DEMO_FIXTURE;
      const stack = await startStack({
        stateDir: dir,
        portOffset: values["port-offset"] === undefined ? undefined : Number(values["port-offset"]),
        hub: values["no-hub"] ? "none" : values.dev ? "dev" : "prod",
        fixture,
        log: say,
        hubReplicas: values["hub-replicas"] === undefined ? undefined : Number(values["hub-replicas"]),
      });
      printWelcome(stack, fixture);
      if (values.detach) return;
      say("press Ctrl-C to stop everything");
      let stopping = false;
      const shutdown = async (code: number) => {
        if (stopping) return;
        stopping = true;
        say("stopping…");
        await stack.stop();
        say("stopped");
        process.exit(code);
      };
      process.on("SIGINT", () => void shutdown(0));
      process.on("SIGTERM", () => void shutdown(0));
      process.on("SIGHUP", () => void shutdown(0));
      while (!stopping) {
        await sleep(1_000);
        const dead = stack.services.find((s) => !isAlive(s.pid));
        if (dead && !stopping) {
          process.stderr.write(`[local] ${dead.name} stopped unexpectedly. Last lines of ${dead.logFile}:\n${tailLog(dead.logFile)}\n`);
          await shutdown(1);
        }
      }
      return;
    }
    case "stop": {
      const stopped = await stopStackAt(dir);
      say(stopped.length ? `stopped ${stopped.join(", ")}` : `no stack running from ${dir}`);
      return;
    }
    case "status": {
      const alive = runningServices(dir);
      say(alive.length ? alive.map((s) => `${s.name} (pid ${s.pid})`).join(", ") : `no stack running from ${dir}`);
      return;
    }
    case "tools": {
      // Built side by side: from cold, MinIO's Go build is CPU-bound while the pip installs mostly wait on PyPI.
      const built = await Promise.all([ensureMinio(), ensureMlflowVenv(), ensureSdkVenv(), ensureSharingHubVenv(), ensureServingVenv()]);
      const tools = Object.fromEntries(["MINIO_BINARY", "MLFLOW_VENV", "SDK_VENV", "SHARINGHUB_VENV", "SERVING_VENV"].map((k, i) => [k, built[i]]));
      if (values.print) process.stdout.write(Object.entries(tools).map(([k, v]) => `${k}=${v}\n`).join(""));
      else for (const [k, v] of Object.entries(tools)) say(`${k} ${v}`);
      return;
    }
    case "env": {
      process.stdout.write(fs.readFileSync(`${dir}/env`, "utf8"));
      return;
    }
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      process.exit(2);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`[local] ${e instanceof LaunchError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
