import { describe, expect, it } from "vitest";
import { storageKey, uploadFileName, uploadKey } from "./artifact-paths";

const WS = "gitlab-101";
const RUN = `workspaces/${WS}/3/${"a".repeat(32)}/artifacts`;

describe("storage keys", () => {
  it("is the workspace-scoped path itself, as MLflow's proxy stores it under s3://<bucket>", () => {
    expect(storageKey(`${RUN}/model/weights.bin`, WS)).toBe(`${RUN}/model/weights.bin`);
    expect(storageKey(`${RUN}/a b+c;d [1].txt`, WS)).toBe(`${RUN}/a b+c;d [1].txt`);
  });

  it.each([
    ["another workspace", `workspaces/gitlab-102/3/${"a".repeat(32)}/artifacts/x`],
    ["a workspace whose name starts like this one", "workspaces/gitlab-1010/3/x"],
    ["the workspace root", `workspaces/${WS}`],
    ["the bucket root", "x.bin"],
    ["a dot-segment", `${RUN}/../../../gitlab-102/1/x`],
    ["an empty segment", `${RUN}//x`],
  ])("has none for %s", (_, path) => {
    expect(storageKey(path, WS)).toBeUndefined();
  });

  // MLflow decodes '%' until stable, escapes control characters and refuses '#': its key would differ.
  it.each([["100%25.txt"], ["a%2F..%2Fb"], ["notes#1.txt"], ["tab\there"], ["del\u007f"]])("signs no key MLflow would rewrite: %s", (name) => {
    expect(storageKey(`${RUN}/${name}`, WS)).toBeUndefined();
  });
});

describe("multipart upload keys", () => {
  it("keep the basename of the client's local path, as MLflow's server does", () => {
    expect(uploadFileName("/home/bob/data/big.bin")).toBe("big.bin");
    expect(uploadFileName("big.bin")).toBe("big.bin");
    expect(uploadKey(`${RUN}/data`, "/tmp/x/big.bin", WS)).toBe(`${RUN}/data/big.bin`);
  });

  it("split a Windows client's path at backslashes, so the key is the name the client lists", () => {
    expect(uploadKey(RUN, "C:\\Users\\bob\\big.bin", WS)).toBe(`${RUN}/big.bin`);
  });

  it.each([[""], ["/tmp/"], ["."], [".."], ["/tmp/.."]])("have none for a local path without a file name: %j", (local) => {
    expect(uploadKey(RUN, local, WS)).toBeUndefined();
  });

  it("have none for a directory outside the workspace, whatever the file is called", () => {
    expect(uploadKey(`workspaces/gitlab-102/3/${"a".repeat(32)}/artifacts`, "big.bin", WS)).toBeUndefined();
    expect(uploadKey(`workspaces/${WS}`, "1/x/big.bin", WS)).toBeUndefined();
  });
});
