import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildSnippet, experimentNameFor, mlflowRequirement, personalTokenPage, pythonString, yamlString, type SnippetOptions } from "./snippet";

const URI = "https://hub.example.com/mlflow/ml-team/flood-detection/tracking/";
const base: SnippetOptions = { trackingUri: URI, projectId: 101, experimentName: "churn", projectIdSuffix: true, preset: "plain", token: "project", mlflowVersion: "3.17.2" };
const block = (o: Partial<SnippetOptions>, id: string) => buildSnippet({ ...base, ...o }).find((b) => b.id === id)?.text ?? "";
/** The argument of a one-argument Python call in the code, e.g. set_experiment("…"). */
const callArg = (code: string, fn: string) => new RegExp(`^mlflow\\.${fn}\\((.*)\\)$`, "m").exec(code)?.[1];

describe("snippet experiment name", () => {
  it("adds the project id the SharingHub way by default, and only once", () => {
    expect(experimentNameFor("churn", 101, true)).toBe("churn (101)");
    expect(experimentNameFor("churn (101)", 101, true)).toBe("churn (101)");
    expect(experimentNameFor("  churn  ", 101, true)).toBe("churn (101)");
  });

  it("leaves the name alone when the convention is turned off", () => expect(experimentNameFor("churn", 101, false)).toBe("churn"));

  it("falls back to a default name when the field is blank", () => expect(experimentNameFor("   ", 7, true)).toBe("my-experiment (7)"));
});

describe("snippet Python", () => {
  it("sets exactly the project's tracking URI and the suffixed experiment", () => {
    const code = block({}, "python");
    expect(callArg(code, "set_tracking_uri")).toBe(`"${URI}"`);
    expect(callArg(code, "set_experiment")).toBe('"churn (101)"');
  });

  it("uses the bare name when the suffix is off", () => expect(callArg(block({ projectIdSuffix: false }, "python"), "set_experiment")).toBe('"churn"'));

  it.each([
    ['say "hi"', '"say \\"hi\\""'],
    ["C:\\runs\\new", '"C:\\\\runs\\\\new"'],
    ['end\\"); import os; os.system("x', '"end\\\\\\"); import os; os.system(\\"x"'],
    ["two\nlines", '"two\\nlines"'],
  ])("escapes %j so it stays one Python string", (name, literal) => {
    const code = block({ experimentName: name, projectIdSuffix: false }, "python");
    expect(callArg(code, "set_experiment")).toBe(literal);
    // Every escape used (\\ \" \n \uXXXX) means the same in JSON and Python: decoding gives the name back.
    expect(JSON.parse(literal)).toBe(name);
  });

  it("escapes control and line-separator characters as \\u sequences", () => {
    const name = "a\u0000b\u2028c\u007fé";
    const literal = pythonString(name);
    expect(literal).toBe('"a\\u0000b\\u2028c\\u007fé"');
    expect(JSON.parse(literal)).toBe(name);
  });

  it("logs by hand in the plain preset, without autolog or framework imports", () => {
    const code = block({ preset: "plain" }, "python");
    expect(code).toMatch(/^import mlflow\n\n/);
    expect(code).not.toContain("autolog");
    expect(code).toContain("mlflow.log_metric(");
  });

  it("turns on autolog and imports scikit-learn in the sklearn preset", () => {
    const code = block({ preset: "sklearn" }, "python");
    expect(code).toContain("\nmlflow.autolog()\n");
    expect(code).toContain("from sklearn.ensemble import RandomForestClassifier");
    expect(code.indexOf("mlflow.autolog()")).toBeGreaterThan(code.indexOf("mlflow.set_experiment("));
    expect(code.indexOf("mlflow.autolog()")).toBeLessThan(code.indexOf(".fit("));
  });

  it("trains a torch model and logs it in the PyTorch preset", () => {
    const code = block({ preset: "pytorch" }, "python");
    expect(code).toContain("import torch\nfrom torch import nn\n");
    expect(code).toContain("\nmlflow.autolog()\n");
    expect(code).toContain('mlflow.pytorch.log_model(model, name="model")');
  });

  it("never puts a token in the code", () => {
    for (const preset of ["plain", "sklearn", "pytorch"] as const) {
      expect(block({ preset }, "python")).not.toMatch(/glpat-|CI_JOB_TOKEN|MLFLOW_TRACKING_TOKEN\s*=/);
    }
  });
});

describe("snippet setup blocks", () => {
  it("pins the client to the server's MLflow and adds the preset's framework", () => {
    expect(block({ preset: "plain" }, "install")).toBe('pip install "mlflow==3.17.2"\n');
    expect(block({ preset: "sklearn" }, "install")).toBe('pip install "mlflow==3.17.2" scikit-learn\n');
    expect(block({ preset: "pytorch" }, "install")).toBe('pip install "mlflow==3.17.2" torch\n');
  });

  it("falls back to the same major release when the server's version is unknown or odd", () => {
    expect(mlflowRequirement(undefined)).toBe("mlflow>=3,<4");
    expect(mlflowRequirement('3.17.2"; rm -rf ~')).toBe("mlflow>=3,<4");
  });

  it("asks for a project token without echoing it, for the local setup", () => {
    const blocks = buildSnippet(base).map((b) => b.id);
    expect(blocks).toEqual(["install", "token", "python"]);
    expect(block({}, "token")).toBe("printf 'Project token: ' && read -rs MLFLOW_TRACKING_TOKEN && export MLFLOW_TRACKING_TOKEN && echo\n");
  });

  it("asks for a GitLab token the same way when the user chooses a personal access token", () => {
    expect(buildSnippet({ ...base, token: "personal" }).map((b) => b.id)).toEqual(["install", "token", "python"]);
    expect(block({ token: "personal" }, "token")).toBe("printf 'GitLab token: ' && read -rs MLFLOW_TRACKING_TOKEN && export MLFLOW_TRACKING_TOKEN && echo\n");
  });

  it("gives a .gitlab-ci.yml job that installs, signs in with the job token and runs the script", () => {
    const blocks = buildSnippet({ ...base, token: "ci", preset: "sklearn" });
    expect(blocks.map((b) => b.id)).toEqual(["ci", "python"]);
    const job = parse(blocks[0].text) as Record<string, { image: string; script: string[] }>;
    expect(job["mlflow-train"].script).toEqual(['pip install "mlflow==3.17.2" scikit-learn', 'export MLFLOW_TRACKING_TOKEN="$CI_JOB_TOKEN"', "python train.py"]);
    expect(blocks[1].title).toBe("train.py");
  });

  it.each(["it's \"quoted\" \\ here", "- [not: a list]", "# not a comment", "a: b"])("keeps %j one YAML string", (line) => {
    expect(parse(`- ${yamlString(line)}`)).toEqual([line]);
  });

  it("refuses a line break in a YAML script line", () => expect(() => yamlString("a\nb")).toThrow());

  it("links GitLab's token page with the name and scope filled in", () => {
    expect(personalTokenPage("https://gitlab.example.com/ml-team/flood-detection", "ml-team/flood-detection", "api")).toBe(
      "https://gitlab.example.com/-/user_settings/personal_access_tokens?name=mlflow-hub&scopes=api",
    );
    expect(personalTokenPage("https://example.com/gitlab/ml-team/flood-detection", "ml-team/flood-detection", "read_api")).toBe(
      "https://example.com/gitlab/-/user_settings/personal_access_tokens?name=mlflow-hub&scopes=read_api",
    );
  });
});
