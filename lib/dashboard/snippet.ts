/**
 * The "get your first run in" snippet of a project: shell, CI and Python text
 * built from the user's choices. Pure, so every variant is unit-tested and the
 * browser test can run exactly what the page shows.
 */

export const PRESETS = ["plain", "sklearn", "pytorch"] as const;
export type Preset = (typeof PRESETS)[number];
export const PRESET_LABELS: Record<Preset, string> = { plain: "Plain Python", sklearn: "scikit-learn", pytorch: "PyTorch" };

/** `project`: a hub project token (the default: one project, read or write, expiring); `personal`: a GitLab token; `ci`: the job's own token. */
export const TOKEN_SETUPS = ["project", "personal", "ci"] as const;
export type TokenSetup = (typeof TOKEN_SETUPS)[number];

export interface SnippetOptions {
  /** The project's tracking URI, used as is. */
  trackingUri: string;
  projectId: number;
  /** What the user typed; blank means the default name. */
  experimentName: string;
  /** SharingHub's `<name> (<project id>)` convention: keeps names unique across the instance. */
  projectIdSuffix: boolean;
  preset: Preset;
  token: TokenSetup;
  /** The MLflow version the hub's server runs, once known; the client is pinned to it. */
  mlflowVersion?: string;
}

export interface SnippetBlock {
  id: "install" | "token" | "ci" | "python";
  title: string;
  language: "shell" | "yaml" | "python";
  text: string;
}

export const DEFAULT_EXPERIMENT = "my-experiment";
export const SCRIPT_FILE = "train.py";

/** The experiment the snippet logs to: blank → default, suffix added once. */
export function experimentNameFor(name: string, projectId: number, projectIdSuffix: boolean): string {
  const base = name.trim() || DEFAULT_EXPERIMENT;
  const suffix = ` (${projectId})`;
  return projectIdSuffix && !base.endsWith(suffix) ? `${base}${suffix}` : base;
}

/**
 * A Python string literal for any text: backslashes, quotes, control and
 * separator characters escaped, so a name cannot end the string or the line.
 */
export function pythonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === "\\" || ch === '"') out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029 || (code >= 0xd800 && code <= 0xdfff)) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A YAML single-quoted scalar: only the quote itself needs escaping; line breaks are refused (a shell line cannot hold one). */
export function yamlString(s: string): string {
  if (/[\r\n]/.test(s)) throw new Error("a YAML script line cannot contain a line break");
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * The client pinned to the server's version: the gateway admits exactly the
 * routes of the MLflow it fronts, so a newer client could call one it does not
 * know yet; an unknown version falls back to the same major release.
 */
export function mlflowRequirement(version: string | undefined): string {
  return version && /^\d+\.\d+\.\d+$/.test(version) ? `mlflow==${version}` : "mlflow>=3,<4";
}

const EXTRA_PACKAGES: Record<Preset, string[]> = { plain: [], sklearn: ["scikit-learn"], pytorch: ["torch"] };

function pipInstall(o: SnippetOptions): string {
  return ["pip install", `"${mlflowRequirement(o.mlflowVersion)}"`, ...EXTRA_PACKAGES[o.preset]].join(" ");
}

const TRAINING: Record<Preset, { imports: string[]; autolog?: string; body: string }> = {
  plain: {
    imports: [],
    body: `with mlflow.start_run() as run:
    mlflow.log_param("learning_rate", 0.01)
    for step in range(5):
        mlflow.log_metric("loss", 1 / (step + 1), step=step)
    print(f"Logged run {run.info.run_id}")`,
  },
  sklearn: {
    imports: ["from sklearn.datasets import load_iris", "from sklearn.ensemble import RandomForestClassifier", "from sklearn.model_selection import train_test_split"],
    autolog: "# Logs parameters, training metrics and the fitted model of every scikit-learn fit.\nmlflow.autolog()",
    body: `X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
with mlflow.start_run() as run:
    model = RandomForestClassifier(n_estimators=100, max_depth=4).fit(X_train, y_train)
    mlflow.log_metric("test_accuracy", model.score(X_test, y_test))
    print(f"Logged run {run.info.run_id}")`,
  },
  pytorch: {
    imports: ["import torch", "from torch import nn"],
    autolog: "# Logs PyTorch Lightning training by itself; the plain loop below logs by hand.\nmlflow.autolog()",
    body: `model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
x = torch.randn(256, 3)
y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 0.1 * torch.randn(256, 1)
with mlflow.start_run() as run:
    mlflow.log_params({"lr": 0.05, "epochs": 50})
    for epoch in range(50):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        mlflow.log_metric("loss", loss.item(), step=epoch)
    mlflow.pytorch.log_model(model, name="model")
    print(f"Logged run {run.info.run_id}")`,
  },
};

function python(o: SnippetOptions): string {
  const t = TRAINING[o.preset];
  const lines = [
    "import mlflow",
    ...t.imports,
    "",
    "# MLFLOW_TRACKING_TOKEN in the environment signs you in; the token never belongs in code.",
    `mlflow.set_tracking_uri(${pythonString(o.trackingUri)})`,
    `mlflow.set_experiment(${pythonString(experimentNameFor(o.experimentName, o.projectId, o.projectIdSuffix))})`,
    ...(t.autolog ? [t.autolog] : []),
    "",
    t.body,
  ];
  return `${lines.join("\n")}\n`;
}

function ciJob(o: SnippetOptions): string {
  const script = [pipInstall(o), 'export MLFLOW_TRACKING_TOKEN="$CI_JOB_TOKEN"', `python ${SCRIPT_FILE}`];
  return [
    "mlflow-train:",
    "  image: python:3.12-slim",
    "  script:",
    ...script.map((line) => `    - ${yamlString(line)}`),
    "",
  ].join("\n");
}

/** Every block of the snippet, in the order a user runs them. */
export function buildSnippet(o: SnippetOptions): SnippetBlock[] {
  const code: SnippetBlock = { id: "python", title: SCRIPT_FILE, language: "python", text: python(o) };
  if (o.token === "ci") {
    return [{ id: "ci", title: ".gitlab-ci.yml", language: "yaml", text: ciJob(o) }, code];
  }
  return [
    { id: "install", title: "Install the MLflow client", language: "shell", text: `${pipInstall(o)}\n` },
    {
      id: "token",
      title: "Give MLflow your token",
      language: "shell",
      // read -s keeps the token off the screen and out of the shell's history (bash and zsh alike).
      text: `printf '${o.token === "project" ? "Project token" : "GitLab token"}: ' && read -rs MLFLOW_TRACKING_TOKEN && export MLFLOW_TRACKING_TOKEN && echo\n`,
    },
    code,
  ];
}

/**
 * GitLab's page for a new personal access token, pre-filled with a name and a scope: the hub
 * lets a GitLab token log runs only with `api` (GitLab's own write scope); `read_api` reads.
 */
export function personalTokenPage(gitlabProjectUrl: string, projectPath: string, scope: "api" | "read_api"): string {
  const base = gitlabProjectUrl.endsWith(`/${projectPath}`) ? gitlabProjectUrl.slice(0, -projectPath.length - 1) : new URL(gitlabProjectUrl).origin;
  return `${base}/-/user_settings/personal_access_tokens?name=mlflow-hub&scopes=${scope}`;
}
