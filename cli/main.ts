// mlflow-hub: the appliance's command line for its administrator (package bin,
// `npx mlflow-hub --help`). It reads the hub's configuration (the environment,
// or .env in the current folder or the repository) and talks to MLflow, both
// databases and the bucket directly, so run it where those are reachable.
import fs from "node:fs";
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { OLDER_THAN } from "@/lib/config";
import { loadDotEnvIfPresent } from "@/lib/db/dotenv";
import type * as Commands from "./commands";

const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string };

/** Usage errors exit with 2, failures with 1, as shells expect. */
const USAGE_ERROR = 2;

const age = (v: string) => {
  if (!OLDER_THAN.test(v)) throw new InvalidArgumentError("expected a duration such as 30d, 1d12h or 90s");
  return v;
};
const positive = (v: string) => {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError("expected a positive whole number");
  return v;
};

/** Commander ignores what an action returns: keep the exit status it computed. */
let status = 0;
// The commands load the database clients: imported on use, so --help and usage errors answer at once.
const exitWith =
  <K extends keyof typeof Commands>(name: K) =>
  async (...args: unknown[]) => {
    const commands = await import("./commands");
    status = await (commands[name] as (...a: unknown[]) => Promise<number>)(...args);
  };

function program(): Command {
  const p = new Command("mlflow-hub")
    .description("Operate an MLflow Hub: status, projects, exports, garbage collection, backup and restore, moving a SharingHub deployment in.")
    .version(pkg.version)
    .showHelpAfterError("(add --help for usage)")
    // Throw instead of exiting, for the exit statuses below; subcommands inherit it.
    .exitOverride();
  const jsonOption = () => new Option("--json", "print JSON instead of a table");

  p.command("status").description("health of the hub database, MLflow, MinIO and GitLab, and the last garbage collection; exits 1 if any is down").addOption(jsonOption()).action(exitWith("status"));
  p.command("projects").description("every project with an MLflow: GitLab path, experiments, runs, models, last activity").addOption(jsonOption()).action(exitWith("projects"));
  p.command("experiments")
    .description("a project's experiments")
    .argument("<project>", "group/project path or numeric GitLab project id")
    .option("--all", "include deleted experiments")
    .addOption(jsonOption())
    .action(exitWith("experiments"));
  p.command("models").description("a project's registered models, latest versions and aliases").argument("<project>", "group/project path or numeric GitLab project id").addOption(jsonOption()).action(exitWith("models"));
  p.command("export")
    .description("write a project's experiments, runs (params, metrics with history, tags as JSON) with their artifacts, and registered models to a new folder")
    .argument("<project>", "group/project path or numeric GitLab project id")
    .argument("<dir>", "folder to create (or an empty one)")
    .action(exitWith("exportCommand"));
  p.command("gc")
    .description("purge deleted runs and experiments with their artifacts now (the mlflow-gc worker runs mlflow gc) and wait for the result")
    .addOption(new Option("--older-than <age>", "purge what was deleted longer ago than this (default MLFLOW_GC_OLDER_THAN)").argParser(age))
    .option("--no-wait", "only queue the run")
    .addOption(new Option("--timeout <seconds>", "how long to wait for the result").default("600").argParser(positive))
    .option("--pending", "only show, per workspace, the deleted runs and experiments awaiting purge")
    .addOption(new Option("--history [count]", "only show the latest runs (default 10)").argParser(positive))
    .addOption(jsonOption())
    .action(exitWith("gc"));
  p.command("backup")
    .description("write a timestamped backup (both databases and the whole bucket) into a folder")
    .argument("<dir>", "folder in which the backup's own folder is created")
    .action(exitWith("backupCommand"));
  p.command("restore")
    .description("restore a backup into this stack, replacing both databases and the bucket; refuses a stack that is not empty")
    .argument("<backup>", "the backup's folder (the one holding manifest.json)")
    .option("--force", "overwrite a stack that already holds data")
    .action(exitWith("restoreCommand"));
  p.command("migrate-sharinghub")
    .description("move an mlflow-sharinghub deployment (MLflow 2.14 database and artifacts) into one workspace per GitLab project; backs up the hub first, never writes to the source")
    .argument("<database>", "the SharingHub MLflow database: its SQLite file (or sqlite:///…), or a postgresql:// URL (only read)")
    .requiredOption("--artifacts <root>", "SharingHub's artifact root: its folder (mlartifacts, holding <experiment id>/<run id>/artifacts/…) or s3://bucket/prefix")
    .option("--dry-run", "print what would go where (counts, bytes) and change nothing")
    .option("--strip-suffix", 'name experiments and models "name" instead of "name (42)" where that name is free in the project')
    .option("--backup-dir <dir>", "folder for the backup of the hub taken before anything is written (required unless --dry-run)")
    .option("--python <path>", "Python of a virtualenv with MLflow 3.17.2 (default MLFLOW_HUB_PYTHON, or in a checkout the local stack's)")
    .option("--source-s3-endpoint <url>", "endpoint of an s3:// artifact root; its keys in SHARINGHUB_S3_ACCESS_KEY and SHARINGHUB_S3_SECRET_KEY")
    .option("--source-s3-region <region>", "region of an s3:// artifact root", "us-east-1")
    .addOption(jsonOption())
    .action(exitWith("migrateSharingHubCommand"));
  return p;
}

async function main(argv: string[]): Promise<number> {
  loadDotEnvIfPresent(process.cwd());
  loadDotEnvIfPresent();
  try {
    await program().parseAsync(argv, { from: "user" });
    return status;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : USAGE_ERROR;
    process.stderr.write(`mlflow-hub: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Open database pools would keep the process alive: flush the output, then leave.
await new Promise((resolve) => process.stdout.write("", resolve));
process.exit(code);
