import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./paths.ts";
import { APPLIANCE_TEST_PORTS, DEFAULT_PORTS, FETCH_BLOCKED_PORTS, MAX_HUB_REPLICAS, PORT_OFFSETS, REPLICA_STACKS, portsWithOffset, replicaPorts } from "./ports.ts";

/** A stack's ports, with the extra hubs and load balancer of a replica stack. */
function portsOf(name: keyof typeof PORT_OFFSETS, offset: number): [string, number][] {
  const own = Object.entries(portsWithOffset(offset));
  if (!REPLICA_STACKS.includes(name)) return own;
  const { hubs, loadBalancer } = replicaPorts(offset);
  // hubs[0] is the stack's own hub port.
  return [...own, ...hubs.slice(1).map((p, i): [string, number] => [`hub-${i + 2}`, p]), ["load balancer", loadBalancer]];
}
const stacks = (Object.entries(PORT_OFFSETS) as [keyof typeof PORT_OFFSETS, number][]).map(([name, offset]) => ({ name, offset, ports: portsOf(name, offset) }));

// Where a stack's offset can be written: launcher flags, startStack options, the env variable, a test's constant.
const OFFSET_LITERALS = [/--port-offset[= ](\d+)/g, /portOffset:\s*(\d+)/g, /LOCAL_PORT_OFFSET=(\d+)/g, /\bOFFSET\s*=\s*(\d+)/g, /portsWithOffset\((\d+)\)/g];
const SKIP = new Set(["node_modules", ".next", ".local", ".git", "generated", "artifacts"]);

function* repoFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* repoFiles(full);
    else if (entry.isFile() && fs.statSync(full).size < 1_000_000) yield full;
  }
}

describe("the port offsets of the repository's stacks", () => {
  it("give no two stacks a common port, nor one the appliance suite publishes", () => {
    const owner = new Map<number, string>(APPLIANCE_TEST_PORTS.map((p) => [p, "the appliance suite"]));
    for (const { name, ports } of stacks) {
      for (const [service, port] of ports) {
        expect(owner.get(port), `port ${port} (${name} ${service})`).toBeUndefined();
        owner.set(port, `${name} ${service}`);
      }
    }
    expect(owner.size).toBe(stacks.length * Object.keys(DEFAULT_PORTS).length + REPLICA_STACKS.length * MAX_HUB_REPLICAS + APPLIANCE_TEST_PORTS.length);
  });

  it("give a replica stack's first hub the stack's own hub port and one port per further hub", () => {
    for (const name of REPLICA_STACKS) {
      const { hubs } = replicaPorts(PORT_OFFSETS[name]);
      expect(hubs[0]).toBe(portsWithOffset(PORT_OFFSETS[name]).hub);
      expect(new Set(hubs).size).toBe(MAX_HUB_REPLICAS);
    }
  });

  it("give every stack ports browsers and fetch connect to, above the privileged range", () => {
    for (const { name, ports } of stacks) {
      for (const [service, port] of ports) {
        expect(FETCH_BLOCKED_PORTS.has(port), `${name} ${service} on ${port}`).toBe(false);
        expect(port, `${name} ${service}`).toBeGreaterThan(1024);
        expect(port, `${name} ${service}`).toBeLessThan(65536);
      }
    }
  });

  it("are the only offsets written anywhere in the repository (a new stack takes an entry in PORT_OFFSETS)", () => {
    const known = new Set<number>(Object.values(PORT_OFFSETS));
    const found: { where: string; offset: number }[] = [];
    for (const root of ["bench", "docs", "e2e", "infra", "scripts", "lib", "server", "cli", "README.md", "package.json"]) {
      const start = path.join(REPO_ROOT, root);
      const files = fs.statSync(start).isDirectory() ? repoFiles(start) : [start];
      for (const file of files) {
        const text = fs.readFileSync(file, "utf8");
        for (const pattern of OFFSET_LITERALS) {
          for (const m of text.matchAll(pattern)) found.push({ where: `${path.relative(REPO_ROOT, file)}: ${m[0]}`, offset: Number(m[1]) });
        }
      }
    }
    expect(found.length, "scripts/test's --port-offset at least").toBeGreaterThan(0);
    expect(found.filter((f) => !known.has(f.offset)).map((f) => f.where)).toEqual([]);
  });
});
