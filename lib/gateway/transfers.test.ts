import { describe, expect, it } from "vitest";
import { checks, type CheckContext } from "./checks";
import { GatewayError } from "./errors";
import { SERVING_GRANT_PREFIX } from "../serving/grant";
import { directStoreFor, serverInfoThroughHub, StoreRefusal, type DirectStore } from "./transfers";

const WS = "gitlab-101";
const RUN_ID = "a".repeat(32);
const RUN = `workspaces/${WS}/3/${RUN_ID}/artifacts`;
const OTHER = `workspaces/gitlab-102/3/${"b".repeat(32)}/artifacts`;

/** MLflow's answer in 3.17.2 (handlers.py build_server_info_payload) with an S3 artifacts destination. */
const MLFLOW_SERVER_INFO = {
  store_type: "SqlStore",
  workspaces_enabled: true,
  trace_archival_enabled: false,
  multipart_uploads_enabled: true,
  multipart_downloads_enabled: true,
  presigned_upload_run_id_supported: true,
  presigned_upload_model_id_supported: true,
  features_enabled: { gateway: false },
};

/** A store that records what the gateway asked of it and signs nothing real. */
function fakeStore(over: Partial<DirectStore> = {}) {
  const calls: string[] = [];
  const store: DirectStore = {
    size: async (key) => (calls.push(`size ${key}`), key.endsWith("missing.bin") ? undefined : 1234),
    presignDownload: async (key) => (calls.push(`presign GET ${key}`), `https://s3.example.com/bucket/${key}?sig`),
    createUpload: async (key) => (calls.push(`create ${key}`), "upload-1"),
    presignPart: async (key, id, n) => `https://s3.example.com/bucket/${key}?partNumber=${n}&uploadId=${id}`,
    completeUpload: async (key, id, parts) => void calls.push(`complete ${key} ${id} ${parts.map((p) => `${p.partNumber}:${p.etag}`).join(",")}`),
    abortUpload: async (key, id) => void calls.push(`abort ${key} ${id}`),
    ...over,
  };
  return { store, calls };
}

function context(over: Partial<CheckContext> = {}): CheckContext {
  return {
    workspace: WS,
    projectPath: "ml-team/flood-detection",
    mayDelete: true,
    deleteRole: "Developer",
    params: { artifact_path: RUN },
    query: new URLSearchParams(),
    body: {},
    mlflow: async (p) => (p.includes(RUN_ID) || p.includes("m-here") ? { status: 200, json: {} } : { status: 404, json: {} }),
    ...over,
  };
}

async function answer(name: string, ctx: CheckContext): Promise<unknown> {
  const outcome = await checks[name](ctx);
  if (outcome.kind !== "answer") throw new Error(`${name} did not answer`);
  return outcome.json;
}

async function refusal(name: string, ctx: CheckContext): Promise<{ status: number; code: string; message: string }> {
  try {
    await checks[name](ctx);
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    const g = e as GatewayError;
    return { status: g.status, code: g.code, message: g.message };
  }
  throw new Error(`${name} did not refuse`);
}

describe("who gets the public store", () => {
  const store = {} as DirectStore;
  const grant = `${SERVING_GRANT_PREFIX}${"p".repeat(40)}.${"s".repeat(43)}`;

  it("gives it to tokens, Basic passwords and sessions when S3_PUBLIC_URL is set, and to no one without it", () => {
    for (const [authorization, cookie] of [["Bearer glpat-bob-demo", undefined], [`Basic ${Buffer.from("u:mlfhub_abcdefgh").toString("base64")}`, undefined], [undefined, "authjs.session-token=x"], [undefined, undefined]]) {
      expect(directStoreFor(authorization, cookie, store), `${authorization} ${cookie}`).toBe(store);
      expect(directStoreFor(authorization, cookie, undefined)).toBeUndefined();
    }
  });

  it("never to the serving runtime, which reaches the hub alone, as Bearer or Basic", () => {
    expect(directStoreFor(`Bearer ${grant}`, undefined, store)).toBeUndefined();
    expect(directStoreFor(`Basic ${Buffer.from(`x:${grant}`).toString("base64")}`, undefined, store)).toBeUndefined();
  });
});

describe("server-info through a project URI", () => {
  it("says multipart and presigned transfers are off without a public store, keeping MLflow's other keys", () => {
    expect(serverInfoThroughHub(MLFLOW_SERVER_INFO, false)).toEqual({
      ...MLFLOW_SERVER_INFO,
      multipart_uploads_enabled: false,
      multipart_downloads_enabled: false,
      presigned_upload_run_id_supported: false,
      presigned_upload_model_id_supported: false,
    });
  });

  it("says multipart uploads and downloads are on with a public store, and presigned uploads still off", () => {
    const off = { ...MLFLOW_SERVER_INFO, multipart_uploads_enabled: false, multipart_downloads_enabled: false };
    expect(serverInfoThroughHub(off, true)).toMatchObject({
      store_type: "SqlStore",
      workspaces_enabled: true,
      multipart_uploads_enabled: true,
      multipart_downloads_enabled: true,
      presigned_upload_run_id_supported: false,
    });
  });
});

describe("without a public store", () => {
  // http_artifact_repo.py falls back to a plain PUT when mpu/create's message starts with exactly this.
  const CLIENT_FALLBACK = "Multipart upload is not supported for the current artifact repository";

  it.each(["mpu-create", "mpu-complete", "mpu-abort"])("%s answers 501 with the message the MLflow client falls back to PUT on", async (name) => {
    const r = await refusal(name, context({ body: { path: "/tmp/big.bin", num_parts: 2, upload_id: "u", parts: [] } }));
    expect(r).toMatchObject({ status: 501, code: "NOT_IMPLEMENTED" });
    expect(r.message.startsWith(CLIENT_FALLBACK)).toBe(true);
  });

  it("answers a presigned download 501, which a client forced into multipart downloads falls back to GET on", async () => {
    const r = await refusal("presigned-download", context({ params: { artifact_path: `${RUN}/big.bin` } }));
    expect(r).toMatchObject({ status: 501, code: "NOT_IMPLEMENTED" });
    expect(r.message).toMatch(/^Multipart download is not supported for the current artifact repository: .*MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD/);
  });
});

describe("with a public store", () => {
  it("starts a multipart upload at the key MLflow would store, with one signed URL per part", async () => {
    const { store, calls } = fakeStore();
    const json = await answer("mpu-create", context({ store, params: { artifact_path: `${RUN}/data` }, body: { path: "/home/bob/big.bin", num_parts: "3" } }));
    expect(calls).toEqual([`create ${RUN}/data/big.bin`]);
    expect(json).toEqual({
      upload_id: "upload-1",
      credentials: [1, 2, 3].map((n) => ({ url: `https://s3.example.com/bucket/${RUN}/data/big.bin?partNumber=${n}&uploadId=upload-1`, part_number: n, headers: {} })),
    });
  });

  it("a caller below the delete floor cannot start or complete a multipart upload over an existing artifact", async () => {
    const { store, calls } = fakeStore();
    const listing = `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(`${RUN}/data`)}`;
    const mlflow = async (p: string) => (p === listing ? { status: 200, json: { files: [{ path: "big.bin", is_dir: false }] } } : { status: 404, json: {} });
    const ctx = (name: string, body: Record<string, unknown>) => context({ store, mlflow, mayDelete: false, deleteRole: "Maintainer", params: { artifact_path: `${RUN}/data` }, body: { path: name, ...body } });
    for (const name of ["mpu-create", "mpu-complete"]) {
      const r = await refusal(name, ctx("/home/bob/big.bin", { num_parts: 2, upload_id: "u", parts: [{ part_number: 1, etag: "e" }] }));
      expect(r, name).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
      expect(r.message).toMatch(/'big\.bin' already exists/);
    }
    expect(calls).toEqual([]);
    await answer("mpu-create", ctx("/home/bob/other.bin", { num_parts: 1 }));
    expect(calls).toEqual([`create ${RUN}/data/other.bin`]);
  });

  it("reads the proto's camelCase field names too, and refuses a body that names a field both ways", async () => {
    const { store, calls } = fakeStore();
    await answer("mpu-complete", context({ store, body: { path: "big.bin", uploadId: "u-9", parts: [{ partNumber: 2, etag: '"e2"' }, { part_number: 1, etag: '"e1"' }] } }));
    expect(calls).toEqual([`complete ${RUN}/big.bin u-9 1:"e1",2:"e2"`]);
    expect(await refusal("mpu-abort", context({ store, body: { path: "big.bin", upload_id: "a", uploadId: "b" } }))).toMatchObject({ status: 400, code: "INVALID_PARAMETER_VALUE" });
  });

  it.each([
    ["no local path", { num_parts: 1 }],
    ["no part count", { path: "big.bin" }],
    ["zero parts", { path: "big.bin", num_parts: 0 }],
    ["more parts than S3 takes", { path: "big.bin", num_parts: 10_001 }],
    ["a fractional part count", { path: "big.bin", num_parts: 1.5 }],
  ])("refuses to start an upload with %s, before asking the store", async (_, body) => {
    const { store, calls } = fakeStore();
    expect(await refusal("mpu-create", context({ store, body }))).toMatchObject({ status: 400, code: "INVALID_PARAMETER_VALUE" });
    expect(calls).toEqual([]);
  });

  it.each([
    ["no parts", []],
    ["a part without its etag", [{ part_number: 1 }]],
    ["a part number beyond 10000", [{ part_number: 10_001, etag: "e" }]],
    ["a part twice", [{ part_number: 1, etag: "e" }, { part_number: 1, etag: "f" }]],
  ])("refuses to complete an upload with %s", async (_, parts) => {
    const { store, calls } = fakeStore();
    expect(await refusal("mpu-complete", context({ store, body: { path: "big.bin", upload_id: "u", parts } }))).toMatchObject({ status: 400 });
    expect(calls).toEqual([]);
  });

  it("never names a key outside the caller's workspace, whatever the path parameter says", async () => {
    const { store, calls } = fakeStore();
    for (const name of ["mpu-create", "mpu-complete", "mpu-abort", "presigned-download"]) {
      for (const path of [OTHER, `workspaces/${WS}`, "", `${RUN}/../../../../gitlab-102/3`]) {
        const r = await refusal(name, context({ store, params: { artifact_path: path }, body: { path: "big.bin", num_parts: 1, upload_id: "u", parts: [{ part_number: 1, etag: "e" }] } }));
        expect(r, `${name} ${path}`).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
      }
    }
    expect(calls).toEqual([]);
  });

  it("sends a file name MLflow would rewrite back to the plain PUT, which MLflow then stores as it does", async () => {
    const { store, calls } = fakeStore();
    const r = await refusal("mpu-create", context({ store, body: { path: "/tmp/100%25.bin", num_parts: 1 } }));
    expect(r).toMatchObject({ status: 501, code: "NOT_IMPLEMENTED" });
    expect(r.message.startsWith("Multipart upload is not supported for the current artifact repository")).toBe(true);
    expect(calls).toEqual([]);
  });

  it("signs a download of the caller's own artifact at its storage key, with its size", async () => {
    const { store, calls } = fakeStore();
    const json = await answer("presigned-download", context({ store, params: { artifact_path: `${RUN}/model/weights.bin` } }));
    expect(json).toEqual({ url: `https://s3.example.com/bucket/${RUN}/model/weights.bin?sig`, headers: {}, file_size: 1234 });
    expect(calls).toEqual([`size ${RUN}/model/weights.bin`, `presign GET ${RUN}/model/weights.bin`]);
  });

  it("signs nothing for an artifact that does not exist", async () => {
    const { store, calls } = fakeStore();
    expect(await refusal("presigned-download", context({ store, params: { artifact_path: `${RUN}/missing.bin` } }))).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    expect(calls).toEqual([`size ${RUN}/missing.bin`]);
  });

  it("explains an upload id the store does not know for this key, and bad parts, in MLflow's error shape", async () => {
    const gone = fakeStore({ abortUpload: async () => Promise.reject(new StoreRefusal("no-such-upload")) }).store;
    expect(await refusal("mpu-abort", context({ store: gone, body: { path: "big.bin", upload_id: "of-another-key" } }))).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    const small = fakeStore({ completeUpload: async () => Promise.reject(new StoreRefusal("invalid-parts")) }).store;
    expect(await refusal("mpu-complete", context({ store: small, body: { path: "big.bin", upload_id: "u", parts: [{ part_number: 1, etag: "e" }] } }))).toMatchObject({ status: 400 });
  });

  it("answers 503 when the store fails, without its own message (which names the internal endpoint)", async () => {
    const { store } = fakeStore({ createUpload: async () => Promise.reject(new Error("connect ECONNREFUSED minio:9000")) });
    const r = await refusal("mpu-create", context({ store, body: { path: "big.bin", num_parts: 1 } }));
    expect(r).toMatchObject({ status: 503, code: "TEMPORARILY_UNAVAILABLE" });
    expect(r.message).not.toContain("minio");
  });
});

describe("artifacts/presigned-upload-url and presigned-download-url", () => {
  it("are refused 501 for this project's own run or model, in either mode", async () => {
    for (const store of [undefined, fakeStore().store]) {
      expect(await refusal("cloud-presigned-url", context({ store, body: { run_id: RUN_ID, path: "x" } }))).toMatchObject({ status: 501, code: "NOT_IMPLEMENTED" });
      expect(await refusal("cloud-presigned-url", context({ store, body: { model_id: "m-here", path: "x" } }))).toMatchObject({ status: 501, code: "NOT_IMPLEMENTED" });
    }
  });

  it("answer another project's run or model as one that does not exist", async () => {
    expect(await refusal("cloud-presigned-url", context({ body: { run_id: "b".repeat(32), path: "x" } }))).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    expect(await refusal("cloud-presigned-url", context({ body: { modelId: "m-elsewhere", path: "x" } }))).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
  });
});
