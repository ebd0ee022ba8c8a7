import { describe, expect, it } from "vitest";
import type { CheckContext } from "./checks";
import { checks } from "./checks";
import { GatewayError } from "./errors";
import { proxyListing, runListing, splitUploadPath } from "./overwrite";

const WS = "gitlab-101";
const RUN = "0123456789abcdef0123456789abcdef";
const DIR = `workspaces/${WS}/1/${RUN}/artifacts`;

/** MLflow's listings as 3.17.2 answers them: the artifact proxy names files by basename, the run listing from the run's root. */
function context(over: Partial<CheckContext> = {}): CheckContext & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    workspace: WS,
    projectPath: "ml-team/flood-detection",
    params: {},
    query: new URLSearchParams(),
    mayDelete: false,
    deleteRole: "Maintainer",
    mlflow: async (p) => {
      asked.push(p);
      if (p === `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(DIR)}`) {
        return { status: 200, json: { files: [{ path: "model.pkl", is_dir: false, file_size: 10 }, { path: "plots", is_dir: true }] } };
      }
      if (p === `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${DIR}/empty`)}`) return { status: 200, json: {} };
      if (p === `/api/2.0/mlflow/artifacts/list?run_id=${RUN}&path=plots`) return { status: 200, json: { root_uri: "x", files: [{ path: "plots/loss.png", is_dir: false }] } };
      if (p === `/api/2.0/mlflow/artifacts/list?run_id=${RUN}`) return { status: 200, json: { files: [{ path: "notes.txt", is_dir: false }] } };
      if (p.includes("broken")) return { status: 500, json: {} };
      return { status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST" } };
    },
    ...over,
  };
}

async function refusal(name: string, ctx: CheckContext): Promise<string | undefined> {
  try {
    await checks[name](ctx);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return `${(e as GatewayError).code} ${(e as GatewayError).message}`;
  }
}

const put = (path: string, over: Partial<CheckContext> = {}) => context({ params: { artifact_path: path }, ...over });
const upload = (runId: string, path: string, over: Partial<CheckContext> = {}) => context({ query: new URLSearchParams({ run_uuid: runId, path }), ...over });

describe("overwriting an artifact needs the delete permission", () => {
  it("a caller below the delete floor cannot PUT over an existing artifact (the artifact proxy)", async () => {
    expect(await refusal("artifact-overwrite", put(`${DIR}/model.pkl`))).toMatch(/^PERMISSION_DENIED Overwriting an artifact needs the delete permission \(Maintainer or higher.*'model\.pkl' already exists/);
  });

  it("nor upload over one from the MLflow UI (ajax upload-artifact), at the run's root or below", async () => {
    expect(await refusal("upload-overwrite", upload(RUN, "notes.txt"))).toMatch(/^PERMISSION_DENIED .*'notes\.txt'/);
    expect(await refusal("upload-overwrite", upload(RUN, "plots/loss.png"))).toMatch(/^PERMISSION_DENIED .*'loss\.png'/);
  });

  it("adds new artifacts, and a file beside a directory of the same name (storage keeps both)", async () => {
    expect(await refusal("artifact-overwrite", put(`${DIR}/new.txt`))).toBeUndefined();
    expect(await refusal("artifact-overwrite", put(`${DIR}/plots`))).toBeUndefined();
    expect(await refusal("artifact-overwrite", put(`${DIR}/empty/first.txt`))).toBeUndefined();
    expect(await refusal("upload-overwrite", upload(RUN, "plots/other.png"))).toBeUndefined();
  });

  it("costs a caller who may delete no MLflow call at all", async () => {
    const ctx = put(`${DIR}/model.pkl`, { mayDelete: true });
    expect(await refusal("artifact-overwrite", ctx)).toBeUndefined();
    const ui = upload(RUN, "notes.txt", { mayDelete: true });
    expect(await refusal("upload-overwrite", ui)).toBeUndefined();
    expect([...ctx.asked, ...ui.asked]).toEqual([]);
  });

  it("refuses paths MLflow would rewrite before writing (so the listing would name another file)", async () => {
    for (const path of [`${DIR}/model%2Epkl`, `${DIR}/model.pkl%00`, `${DIR}//model.pkl`, `${DIR}/./model.pkl`, `${DIR}/a\\model.pkl`, `${DIR}/x#y`]) {
      expect(await refusal("artifact-overwrite", put(path)), path).toMatch(/^PERMISSION_DENIED .*not a plain one/);
    }
    for (const path of ["", "/etc/passwd", "../model.pkl", "a/../notes.txt", "dir/"]) expect(await refusal("upload-overwrite", upload(RUN, path)), path).toMatch(/^PERMISSION_DENIED/);
  });

  it("treats a listing that is not a clean 200 as a refusal (a run of another project 404s), and MLflow down as 503", async () => {
    expect(await refusal("upload-overwrite", upload("f".repeat(32), "notes.txt"))).toMatch(/^PERMISSION_DENIED .*could not check.*404/);
    expect(await refusal("upload-overwrite", upload("", "notes.txt"))).toMatch(/^PERMISSION_DENIED/);
    expect(await refusal("artifact-overwrite", put(`${DIR}/broken/x.txt`))).toMatch(/^TEMPORARILY_UNAVAILABLE/);
  });

  it("splits paths where MLflow does, at the last '/'", () => {
    expect(splitUploadPath("a/b/c.txt")).toEqual({ dir: "a/b", name: "c.txt" });
    expect(splitUploadPath("c.txt")).toEqual({ dir: "", name: "c.txt" });
    expect(proxyListing(splitUploadPath("c.txt")!)).toBeUndefined();
    expect(runListing(RUN)(splitUploadPath("c.txt")!)).toBe(`/api/2.0/mlflow/artifacts/list?run_id=${RUN}`);
  });
});
