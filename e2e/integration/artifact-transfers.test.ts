import { beforeAll, describe, expect, it } from "vitest";
import { FLOOD, HUB_URL, MLFLOW_URL, must, send, TOKENS, tracking, type Call, type Reply } from "./conformance/hub.ts";
import { describeAnswer, gatewayRefusal } from "./conformance/refusals.ts";

// The test stack runs without S3_PUBLIC_URL: every artifact byte goes through the gateway.
// Started for real, the appliance once passed MLflow's server-info through, so MLflow's client asked
// for presigned URLs and got http://minio:9000/…, a name that exists only on the internal network:
// downloads hung in retries and uploads over 500 MB failed. Locally the same client fetched from
// MinIO at 127.0.0.1 past the gateway, which is why no suite saw it.

const PREFIXES = ["/api", "/ajax-api"] as const;
const T101 = tracking(FLOOD.path);

/** Names of the store and MLflow as the hub reaches them: none may appear in an answer through the hub. */
const INTERNAL = [new URL(process.env.S3_ENDPOINT ?? "http://minio:9000").host, MLFLOW_URL.host, "minio"];

function internalNames(r: Reply): string[] {
  const seen = [r.text, ...Object.values(r.headers).map(String)].join("\n");
  return INTERNAL.filter((name) => seen.includes(name));
}

let artifactRoot: string;
const FILE = "weights.bin";

beforeAll(async () => {
  const as = (rest: string, body: unknown) => must({ method: "POST", path: `${T101}/api/2.0/mlflow/${rest}`, token: TOKENS.bob, body });
  const { experiment_id: experimentId } = await as("experiments/create", { name: `artifact-transfers-${Date.now()}` });
  const run = await as("runs/create", { experiment_id: experimentId });
  artifactRoot = (run.run.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "");
  await must({ method: "PUT", path: `${T101}/api/2.0/mlflow-artifacts/artifacts/${artifactRoot}/${FILE}`, token: TOKENS.bob, body: Buffer.alloc(64 * 1024, 7), headers: { "content-type": "application/octet-stream" } });
});

describe("artifact transfers without S3_PUBLIC_URL", () => {
  it("server-info through a project URI says multipart and presigned transfers are off, under both prefixes, and keeps MLflow's other keys", async () => {
    const direct = await send({ target: MLFLOW_URL, path: "/api/3.0/mlflow/server-info" });
    expect(direct.status).toBe(200);
    for (const prefix of PREFIXES) {
      const r = await send({ path: `${T101}${prefix}/3.0/mlflow/server-info` });
      expect(r.status, describeAnswer(r)).toBe(200);
      expect(r.json).toEqual({
        ...direct.json,
        multipart_uploads_enabled: false,
        multipart_downloads_enabled: false,
        presigned_upload_run_id_supported: false,
        presigned_upload_model_id_supported: false,
      });
      expect(r.json.workspaces_enabled).toBe(true);
    }
  });

  it("refuses every presigned and multipart route for the owner of the path with MLflow JSON the client does not retry, naming no internal host", async () => {
    const runId = artifactRoot.split("/")[3];
    for (const prefix of PREFIXES) {
      const base = `${T101}${prefix}/2.0`;
      const calls: Call[] = [
        { path: `${base}/mlflow-artifacts/presigned/${artifactRoot}/${FILE}` },
        { method: "POST", path: `${base}/mlflow-artifacts/mpu/create/${artifactRoot}`, body: { path: "/tmp/big.bin", num_parts: 2 } },
        { method: "POST", path: `${base}/mlflow-artifacts/mpu/complete/${artifactRoot}`, body: { path: "/tmp/big.bin", upload_id: "u", parts: [{ part_number: 1, etag: "e" }] } },
        { method: "POST", path: `${base}/mlflow-artifacts/mpu/abort/${artifactRoot}`, body: { path: "/tmp/big.bin", upload_id: "u" } },
        { method: "POST", path: `${base}/mlflow/artifacts/presigned-download-url`, body: { run_id: runId, path: FILE } },
        { method: "POST", path: `${base}/mlflow/artifacts/presigned-upload-url`, body: { run_id: runId, path: "new.bin" } },
      ];
      for (const call of calls) {
        const r = await send({ ...call, token: TOKENS.alice });
        const what = `${call.method ?? "GET"} ${call.path}: ${describeAnswer(r)}`;
        // 501 is not among the statuses MLflow's client retries (408, 429, 500, 502-504).
        expect(gatewayRefusal(r), what).toMatchObject({ status: 501, code: "NOT_IMPLEMENTED" });
        expect(r.headers["content-type"], what).toContain("application/json");
        expect(internalNames(r), what).toEqual([]);
      }
    }
  });

  it("tells a client forced into multipart transfers the very message MLflow's client falls back to PUT and GET on", async () => {
    const create = await send({ method: "POST", path: `${T101}/api/2.0/mlflow-artifacts/mpu/create/${artifactRoot}`, token: TOKENS.bob, body: { path: "/tmp/big.bin", num_parts: 2 } });
    expect(create.json.message).toMatch(/^Multipart upload is not supported for the current artifact repository: .*plain PUT/);
    const presigned = await send({ path: `${T101}/api/2.0/mlflow-artifacts/presigned/${artifactRoot}/${FILE}`, token: TOKENS.bob });
    expect(presigned.json.message).toMatch(/^Multipart download is not supported for the current artifact repository: .*MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD/);
  });

  it("still decides before it answers: a Reporter's multipart upload is refused for the role, an anonymous one for the token", async () => {
    const call = { method: "POST", path: `${T101}/api/2.0/mlflow-artifacts/mpu/create/${artifactRoot}`, body: { path: "/tmp/big.bin", num_parts: 2 } };
    expect(gatewayRefusal(await send({ ...call, token: TOKENS.carol }))).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    expect(gatewayRefusal(await send(call))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
  });

  it("moves the artifact byte-identical through the plain PUT and GET of the artifact proxy", async () => {
    const r = await fetch(`${HUB_URL.origin}${T101}/api/2.0/mlflow-artifacts/artifacts/${artifactRoot}/${FILE}`, { headers: { authorization: `Bearer ${TOKENS.carol}` } });
    expect(r.status).toBe(200);
    expect(Buffer.from(await r.arrayBuffer()).equals(Buffer.alloc(64 * 1024, 7))).toBe(true);
  });
});
