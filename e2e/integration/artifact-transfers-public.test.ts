import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { portsWithOffset } from "../../infra/local/ports.ts";
import { startStack, stopStackAt, type Stack } from "../../infra/local/stack.ts";
import { gatewayRefusal } from "./conformance/refusals.ts";

// A stack of its own whose hub has S3_PUBLIC_URL: MinIO's loopback URL under the name
// `localhost`, while the hub reaches it as 127.0.0.1. The two names tell a URL signed for
// clients from one of the internal store (SigV4 signs the host, so only the first works).
// Its hub also raises DELETE_MIN_ACCESS_LEVEL to maintainer, so bob (Developer) adds
// artifacts but may not replace them: uploads over an existing file are refused him.
const OFFSET = 1200;
const STATE = path.join(REPO_ROOT, ".local", "test-s3-public");
const MINIO_PORT = portsWithOffset(OFFSET).minio;
const PUBLIC_HOST = `localhost:${MINIO_PORT}`;
const INTERNAL_HOST = `127.0.0.1:${MINIO_PORT}`;

const ALICE = "glpat-alice-demo"; // Owner of 101 and 102 (ml-team)
const BOB = "glpat-bob-demo"; // Developer of 101
const CAROL = "glpat-carol-demo"; // Reporter of 101
const T101 = "/mlflow/ml-team/flood-detection/tracking";
const T102 = "/mlflow/ml-team/vision/segmentation/tracking";
const MIB = 1024 * 1024;

let stack: Stack;

interface Answer {
  status: number;
  text: string;
  json: any;
  headers: Record<string, string>;
}

async function call(method: string, pathAndQuery: string, token?: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${stack.env.AUTH_URL}${pathAndQuery}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: Object.fromEntries(res.headers) };
}

const refusalOf = (a: Answer) => gatewayRefusal({ status: a.status, text: a.text, headers: a.headers });
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** A run of a project, created through the gateway; its raw storage path. */
async function newRun(tracking: string, token: string): Promise<{ runId: string; root: string }> {
  const experiment = await call("POST", `${tracking}/api/2.0/mlflow/experiments/create`, token, { name: `s3-public-${randomBytes(4).toString("hex")}` });
  const run = await call("POST", `${tracking}/api/2.0/mlflow/runs/create`, token, { experiment_id: experiment.json.experiment_id });
  expect(run.status, run.text).toBe(200);
  return { runId: run.json.run.info.run_id, root: (run.json.run.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "") };
}

async function putThroughHub(tracking: string, token: string, key: string, bytes: Buffer) {
  const res = await fetch(`${stack.env.AUTH_URL}${tracking}/api/2.0/mlflow-artifacts/artifacts/${key}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: new Uint8Array(bytes),
  });
  expect(res.status, await res.text()).toBe(200);
}

/** Names that must not appear in what the hub hands out: the store as the hub reaches it. */
const expectOnlyPublicHost = (text: string) => {
  expect(text).not.toContain(INTERNAL_HOST);
  expect(text).not.toContain(stack.env.S3_ENDPOINT);
};

beforeAll(async () => {
  fs.rmSync(STATE, { recursive: true, force: true });
  const settings = { S3_PUBLIC_URL: `http://${PUBLIC_HOST}`, DELETE_MIN_ACCESS_LEVEL: "maintainer" };
  const before = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
  Object.assign(process.env, settings);
  try {
    stack = await startStack({ stateDir: STATE, portOffset: OFFSET, hub: "prod" });
  } finally {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  expect(stack.env.S3_ENDPOINT).toBe(`http://${INTERNAL_HOST}`);
}, 900_000);
afterAll(() => stopStackAt(STATE));

describe("artifact transfers with S3_PUBLIC_URL", () => {
  it("server-info through a project URI says multipart uploads and downloads work, under both prefixes", async () => {
    for (const prefix of ["/api", "/ajax-api"]) {
      const r = await call("GET", `${T101}${prefix}/3.0/mlflow/server-info`);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ workspaces_enabled: true, multipart_uploads_enabled: true, multipart_downloads_enabled: true, presigned_upload_run_id_supported: false });
    }
  });

  it("signs a download of the caller's own artifact for the public host only, and the URL gives it back byte-identical", async () => {
    const { root } = await newRun(T101, BOB);
    const bytes = randomBytes(3 * MIB + 17);
    await putThroughHub(T101, BOB, `${root}/model/weights v2.bin`, bytes);

    const r = await call("GET", `${T101}/api/2.0/mlflow-artifacts/presigned/${root}/model/weights%20v2.bin`, CAROL);
    expect(r.status, r.text).toBe(200);
    expect(r.json.file_size).toBe(bytes.length);
    expect(new URL(r.json.url).host).toBe(PUBLIC_HOST);
    expectOnlyPublicHost(r.text);

    const got = await fetch(r.json.url);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''weights%20v2.bin");
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(sha256(bytes));
    // As MLflow's client fetches it: ranges of the same URL.
    const tail = await fetch(r.json.url, { headers: { range: `bytes=${bytes.length - 17}-` } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 17))).toBe(true);
  });

  it("refuses to sign a path of another project's workspace, through either project's URI", async () => {
    const { root } = await newRun(T101, ALICE);
    await putThroughHub(T101, ALICE, `${root}/secret.bin`, randomBytes(1024));
    const through102 = await call("GET", `${T102}/api/2.0/mlflow-artifacts/presigned/${root}/secret.bin`, ALICE);
    expect(refusalOf(through102)).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    expect(through102.text).not.toContain("X-Amz");
    const create = await call("POST", `${T102}/api/2.0/mlflow-artifacts/mpu/create/${root}`, ALICE, { path: "planted.bin", num_parts: 1 });
    expect(refusalOf(create)).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
  });

  it("a Reporter cannot start a multipart upload, and gets no URL", async () => {
    const { root } = await newRun(T101, BOB);
    const r = await call("POST", `${T101}/api/2.0/mlflow-artifacts/mpu/create/${root}`, CAROL, { path: "/tmp/big.bin", num_parts: 2 });
    expect(refusalOf(r)).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    expect(r.text).not.toContain("http");
  });

  it("a multipart upload through URLs of the public host lands where MLflow lists and serves it, byte-identical", async () => {
    const { runId, root } = await newRun(T101, BOB);
    // S3's smallest part is 5 MiB, but for the last.
    const parts = [randomBytes(5 * MIB), randomBytes(2 * MIB + 3)];
    const mpu = `${T101}/api/2.0/mlflow-artifacts/mpu`;
    const create = await call("POST", `${mpu}/create/${root}/data`, BOB, { path: "/home/bob/big.bin", num_parts: parts.length });
    expect(create.status, create.text).toBe(200);
    expectOnlyPublicHost(create.text);
    expect(create.json.credentials.map((c: { part_number: number }) => c.part_number)).toEqual([1, 2]);

    const uploaded = [];
    for (const [i, credential] of (create.json.credentials as { url: string; part_number: number }[]).entries()) {
      expect(new URL(credential.url).host).toBe(PUBLIC_HOST);
      const put = await fetch(credential.url, { method: "PUT", body: new Uint8Array(parts[i]) });
      expect(put.status, await put.text()).toBe(200);
      uploaded.push({ part_number: credential.part_number, etag: put.headers.get("etag"), url: credential.url });
    }
    const complete = await call("POST", `${mpu}/complete/${root}/data`, BOB, { path: "/home/bob/big.bin", upload_id: create.json.upload_id, parts: uploaded });
    expect(complete.status, complete.text).toBe(200);

    const listed = await call("GET", `${T101}/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=data`, CAROL);
    expect(listed.json.files).toEqual([{ path: "data/big.bin", is_dir: false, file_size: parts[0].length + parts[1].length }]);
    const served = await fetch(`${stack.env.AUTH_URL}${T101}/api/2.0/mlflow-artifacts/artifacts/${root}/data/big.bin`, { headers: { authorization: `Bearer ${CAROL}` } });
    expect(sha256(Buffer.from(await served.arrayBuffer()))).toBe(sha256(Buffer.concat(parts)));
  });

  it("completes and aborts only an upload of the named key: another key's upload id is unknown there", async () => {
    const { root } = await newRun(T101, BOB);
    const mpu = `${T101}/api/2.0/mlflow-artifacts/mpu`;
    const create = await call("POST", `${mpu}/create/${root}`, BOB, { path: "a.bin", num_parts: 1 });
    const uploadId = create.json.upload_id as string;
    const put = await fetch(create.json.credentials[0].url, { method: "PUT", body: new Uint8Array(randomBytes(1024)) });
    const parts = [{ part_number: 1, etag: put.headers.get("etag") }];

    const elsewhere = await call("POST", `${mpu}/complete/${root}`, BOB, { path: "b.bin", upload_id: uploadId, parts });
    expect(refusalOf(elsewhere)).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    const aborted = await call("POST", `${mpu}/abort/${root}`, BOB, { path: "a.bin", upload_id: uploadId });
    expect(aborted.status, aborted.text).toBe(200);
    const afterAbort = await call("POST", `${mpu}/complete/${root}`, BOB, { path: "a.bin", upload_id: uploadId, parts });
    expect(refusalOf(afterAbort)).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("an anonymous caller gets no signed URL for a private project", async () => {
    const { root } = await newRun(T101, BOB);
    const r = await call("GET", `${T101}/api/2.0/mlflow-artifacts/presigned/${root}/x.bin`);
    expect(refusalOf(r)).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
  });
});

describe("overwriting an artifact needs the delete permission (this hub: DELETE_MIN_ACCESS_LEVEL=maintainer)", () => {
  const get = async (token: string, key: string) => {
    const res = await fetch(`${stack.env.AUTH_URL}${T101}/api/2.0/mlflow-artifacts/artifacts/${key}`, { headers: { authorization: `Bearer ${token}` } });
    return Buffer.from(await res.arrayBuffer());
  };
  const put = (token: string, key: string, bytes: Buffer) =>
    fetch(`${stack.env.AUTH_URL}${T101}/api/2.0/mlflow-artifacts/artifacts/${key}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: new Uint8Array(bytes),
    });
  const refusalOfResponse = async (res: Response) => refusalOf({ status: res.status, text: await res.text(), json: undefined, headers: Object.fromEntries(res.headers) });

  it("a Developer adds an artifact but cannot PUT over it, and its bytes stay; an Owner may replace it", async () => {
    const { root } = await newRun(T101, BOB);
    const first = randomBytes(4096);
    await putThroughHub(T101, BOB, `${root}/model.pkl`, first);
    const refused = await refusalOfResponse(await put(BOB, `${root}/model.pkl`, randomBytes(10)));
    expect(refused).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    expect(refused?.message).toMatch(/Overwriting an artifact needs the delete permission \(Maintainer or higher/);
    expect(sha256(await get(CAROL, `${root}/model.pkl`))).toBe(sha256(first));
    // A new name beside it is no overwrite.
    await putThroughHub(T101, BOB, `${root}/model-v2.pkl`, randomBytes(10));
    const second = randomBytes(2048);
    expect((await put(ALICE, `${root}/model.pkl`, second)).status).toBe(200);
    expect(sha256(await get(CAROL, `${root}/model.pkl`))).toBe(sha256(second));
  });

  it("a Developer cannot replace an artifact from the MLflow UI's upload either (ajax upload-artifact)", async () => {
    const { runId, root } = await newRun(T101, BOB);
    await putThroughHub(T101, BOB, `${root}/notes/readme.txt`, Buffer.from("original"));
    const upload = (path: string) =>
      fetch(`${stack.env.AUTH_URL}${T101}/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${encodeURIComponent(path)}`, {
        method: "POST",
        headers: { authorization: `Bearer ${BOB}`, "content-type": "application/octet-stream" },
        body: "replaced",
      });
    expect(await refusalOfResponse(await upload("notes/readme.txt"))).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    expect((await get(CAROL, `${root}/notes/readme.txt`)).toString()).toBe("original");
    const added = await upload("notes/other.txt");
    expect(added.status, await added.text()).toBe(200);
    expect((await get(CAROL, `${root}/notes/other.txt`)).toString()).toBe("replaced");
  });

  it("a Developer cannot start nor complete a multipart upload over an existing artifact", async () => {
    const { root } = await newRun(T101, BOB);
    const mpu = `${T101}/api/2.0/mlflow-artifacts/mpu`;
    // Started while the name was free, completed after someone else wrote it: refused at the end too.
    const create = await call("POST", `${mpu}/create/${root}/data`, BOB, { path: "/home/bob/big.bin", num_parts: 1 });
    expect(create.status, create.text).toBe(200);
    const part = await fetch(create.json.credentials[0].url, { method: "PUT", body: new Uint8Array(randomBytes(1024)) });
    await putThroughHub(T101, ALICE, `${root}/data/big.bin`, Buffer.from("alice's"));
    const complete = await call("POST", `${mpu}/complete/${root}/data`, BOB, { path: "/home/bob/big.bin", upload_id: create.json.upload_id, parts: [{ part_number: 1, etag: part.headers.get("etag") }] });
    expect(refusalOf(complete)).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    expect((await get(CAROL, `${root}/data/big.bin`)).toString()).toBe("alice's");
    const again = await call("POST", `${mpu}/create/${root}/data`, BOB, { path: "big.bin", num_parts: 1 });
    expect(refusalOf(again)).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
  });
});
