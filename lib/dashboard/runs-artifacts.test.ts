import { describe, expect, it } from "vitest";
import { previewKind, readPrefix, sortEntries } from "./runs-artifacts";

function stream(chunks: number[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(new Uint8Array(chunks[i++]).fill(97));
      else controller.close();
    },
    cancel: onCancel,
  });
}

describe("artifact preview", () => {
  it("previews text formats and images by name, nothing else", () => {
    expect(["a/metrics.json", "conf.yaml", "notes.txt", "model/MLmodel", "data.csv", "train.log"].map(previewKind)).toEqual(Array(6).fill("text"));
    expect(["plot.png", "p.JPG", "a.gif", "b.svg"].map(previewKind)).toEqual(Array(4).fill("image"));
    expect(["model.pkl", "weights", ".json"].map(previewKind)).toEqual(["none", "none", "none"]);
  });

  it("reads only the first 64 KiB of a large file and stops the download", async () => {
    let cancelled = false;
    const { bytes, truncated } = await readPrefix(stream([40_000, 40_000, 40_000], () => (cancelled = true)));
    expect(bytes.length).toBe(65_536);
    expect(truncated).toBe(true);
    expect(cancelled).toBe(true);
  });

  it("reads a small file whole, and a file of exactly the limit is not truncated", async () => {
    expect(await readPrefix(stream([10, 20]))).toMatchObject({ truncated: false, bytes: expect.objectContaining({ length: 30 }) });
    const exact = await readPrefix(stream([32_768, 32_768]));
    expect(exact.bytes.length).toBe(65_536);
    expect(exact.truncated).toBe(false);
  });

  it("lists directories before files", () => {
    const sorted = sortEntries([
      { path: "b.txt", is_dir: false },
      { path: "z", is_dir: true },
      { path: "a.txt", is_dir: false },
    ]);
    expect(sorted.map((f) => f.path)).toEqual(["z", "a.txt", "b.txt"]);
  });
});
