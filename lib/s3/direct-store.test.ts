import { afterEach, describe, expect, it, vi } from "vitest";
import { attachment, createDirectStore, PRESIGNED_URL_TTL_SECONDS } from "./direct-store";

const KEY = `workspaces/gitlab-101/3/${"a".repeat(32)}/artifacts/model/weights v2.bin`;

// Hosts under .invalid never resolve: a presign that made a network call would fail here.
const store = (publicUrl = "https://s3.mlflow.invalid") =>
  createDirectStore({ internalUrl: "http://minio.internal.invalid:9000", publicUrl, bucket: "mlflow-artifacts", region: "eu-west-3", accessKey: "hub", secretKey: "hub-secret" });

afterEach(() => {
  vi.useRealTimers();
});

describe("presigned URLs", () => {
  it("name only the public endpoint, path-style, and sign nothing but the host", async () => {
    const url = new URL(await store().presignDownload(KEY));
    expect(url.origin).toBe("https://s3.mlflow.invalid");
    expect(decodeURIComponent(url.pathname)).toBe(`/mlflow-artifacts/${KEY}`);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(url.href).not.toContain("internal");
  });

  it("carry the public endpoint's port", async () => {
    expect(new URL(await store("http://localhost:10200").presignDownload(KEY)).host).toBe("localhost:10200");
  });

  it("expire after the named TTL, four hours, signed for the configured region", async () => {
    const url = new URL(await store().presignPart(KEY, "up-1", 7));
    expect(PRESIGNED_URL_TTL_SECONDS).toBe(4 * 3600);
    expect(url.searchParams.get("X-Amz-Expires")).toBe(String(PRESIGNED_URL_TTL_SECONDS));
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^hub\/\d{8}\/eu-west-3\/s3\/aws4_request$/);
  });

  it("sign a part upload for one part of one upload", async () => {
    const url = new URL(await store().presignPart(KEY, "up/1+=", 7));
    expect(url.searchParams.get("partNumber")).toBe("7");
    expect(url.searchParams.get("uploadId")).toBe("up/1+=");
  });

  it("download as an attachment named after the file, so a browser does not render it on the store's origin", async () => {
    const url = new URL(await store().presignDownload(KEY));
    expect(url.searchParams.get("response-content-disposition")).toBe("attachment; filename*=UTF-8''weights%20v2.bin");
    expect(attachment("a/b/it's (1).txt")).toBe("attachment; filename*=UTF-8''it%27s%20%281%29.txt");
  });

  // SigV4 covers the Host: a URL of the internal endpoint with its host swapped would not verify.
  it("sign the host itself: the same request for another host has another signature", async () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-03-01T12:00:00Z"));
    const signature = async (publicUrl: string) => new URL(await store(publicUrl).presignDownload(KEY)).searchParams.get("X-Amz-Signature");
    const one = await signature("https://s3.mlflow.invalid");
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(await signature("https://s3.mlflow.invalid")).toBe(one);
    expect(await signature("https://s3-other.mlflow.invalid")).not.toBe(one);
  });
});
