// The Secrets and keys a rendered release reads (every secretKeyRef), one
// "<secret> <key>" line each, so scripts/test-helm can create them with random
// values before it installs: `helm template … | npx tsx infra/helm/secret-refs.ts`.
import fs from "node:fs";
import YAML from "yaml";

export function secretRefs(manifests: string): string[] {
  const refs = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const ref = (node as { secretKeyRef?: { name: string; key: string } }).secretKeyRef;
    if (ref) refs.add(`${ref.name} ${ref.key}`);
    Object.values(node).forEach(walk);
  };
  for (const doc of YAML.parseAllDocuments(manifests)) walk(doc.toJS());
  return [...refs].sort();
}

if (process.argv[1] && import.meta.filename === fs.realpathSync(process.argv[1])) {
  for (const line of secretRefs(fs.readFileSync(0, "utf8"))) console.log(line);
}
