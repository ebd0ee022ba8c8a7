import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnvFile } from "../infra/compose/compose-file";
import { sourceWithSh } from "../scripts/sh-source";
import { configSchema } from "./config";

const examplePath = path.resolve(import.meta.dirname, "..", ".env.example");
const example = fs.readFileSync(examplePath, "utf8");
const lines = example.split("\n");
const declared = lines.flatMap((l, i) => {
  const m = /^([A-Z][A-Z0-9_]*)=/.exec(l);
  return m ? [{ name: m[1], index: i }] : [];
});

describe(".env.example", () => {
  it("lists every variable the hub's configuration reads", () => {
    const names = declared.map((d) => d.name);
    for (const key of Object.keys(configSchema.shape)) expect(names, `${key} is read by lib/config.ts`).toContain(key);
  });

  it("has a comment right above every variable", () => {
    for (const { name, index } of declared) expect(lines[index - 1], `${name} needs a comment`).toMatch(/^#/);
  });

  it("sources under sh, as the README's upgrade recipe does, to the values compose's parser reads", () => {
    const sourced = sourceWithSh(examplePath);
    expect(Object.fromEntries(declared.map(({ name }) => [name, sourced[name]]))).toEqual(parseEnvFile(example));
    expect(sourced.MLFLOW_GC_SCHEDULE).toBe("0 3 * * 0");
  });

  it("marks every secret to change", () => {
    for (const secret of ["AUTH_SECRET", "GITLAB_CLIENT_SECRET", "S3_SECRET_KEY"]) {
      const { index } = declared.find((d) => d.name === secret)!;
      expect(lines[index - 1], `${secret} must say CHANGE ME`).toContain("CHANGE ME");
    }
  });
});
