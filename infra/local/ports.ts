/** Loopback ports of the local stack; LOCAL_PORT_OFFSET shifts them all (tests run a second stack beside a developer's). */
export interface Ports {
  hub: number;
  gitlab: number;
  mlflow: number;
  postgres: number;
  minio: number;
  minioConsole: number;
  /** The serving supervisor's control API (infra/serving/supervisor.py). */
  serving: number;
}

export const DEFAULT_PORTS: Ports = { hub: 3000, gitlab: 3001, mlflow: 5001, postgres: 5433, minio: 9000, minioConsole: 9001, serving: 5002 };

export function portsWithOffset(offset: number): Ports {
  return Object.fromEntries(Object.entries(DEFAULT_PORTS).map(([k, v]) => [k, v + offset])) as unknown as Ports;
}

/**
 * The port offset of every stack this repository starts, by who starts it. They may all
 * run at once beside a developer's `npm run local`, so no two share a port (ports.test.ts
 * proves it, and that no offset is written anywhere else): a new stack takes an entry here.
 */
export const PORT_OFFSETS = {
  /** `npm run local`, a developer's own stack. */
  developer: 0,
  /** scripts/test's stack, which the integration, SDK and browser suites use. */
  test: 1000,
  /** e2e/integration/artifact-transfers-public.test.ts, a stack with S3_PUBLIC_URL set. */
  artifactTransfersPublic: 1200,
  /** e2e/integration/gateway-takedown.test.ts, which floods its gateway with slow bodies and unknown tokens. */
  gatewayTakedown: 1400,
  /** e2e/integration/faults.test.ts, which stops its dependencies one at a time. */
  faults: 2200,
  /** e2e/integration/stack.test.ts, the launcher's own tests. */
  launcher: 2400,
  /** npm run bench (bench/gateway.ts). */
  bench: 2600,
  /** The artifact A/B rerun docs/benchmarks.md describes. */
  artifactBench: 3300,
  /** e2e/integration/backup.test.ts, which wipes its databases and bucket. */
  backup: 3600,
  /** e2e/integration/token-encryption.test.ts: a second hub only (the test stack's other services), restarted with each key setting. */
  tokenEncryption: 4100,
  /** e2e/integration/migrate-sharinghub.test.ts, which migrates SharingHub sources into its stack (and kills a migration halfway). */
  migrateSharinghub: 4300,
  /** e2e/integration/replicas.test.ts: three hubs behind a load balancer (replicaPorts). */
  replicas: 4700,
  /** npm run bench:scale (bench/scale.ts): one to three hubs behind a load balancer (replicaPorts). */
  scaleBench: 4800,
  /** e2e/integration/serving*.test.ts: model serving (malicious and crashing models, permissions). */
  serving: 4500,
} as const;

/** The most hub processes a local stack runs behind its load balancer. */
export const MAX_HUB_REPLICAS = 3;

/**
 * The ports a stack with several hubs adds to its offset's own: hub 1 keeps the stack's hub
 * port, hubs 2 and 3 and the load balancer in front of them take the ports just above the
 * GitLab stand-in's. ports.test.ts counts them with every stack's own.
 */
export function replicaPorts(offset: number): { hubs: number[]; loadBalancer: number } {
  const { hub } = portsWithOffset(offset);
  return { hubs: [hub, hub + 2, hub + 3], loadBalancer: hub + 4 };
}

/** The stacks that run several hubs: their replicaPorts are theirs too. */
export const REPLICA_STACKS: readonly (keyof typeof PORT_OFFSETS)[] = ["replicas", "scaleBench"];

/** Host ports the compose appliance's suite (scripts/test-appliance) publishes while it runs. */
export const APPLIANCE_TEST_PORTS = [18080, 18443, 18001] as const;

/** Ports the Fetch standard blocks ("bad ports"): browsers and Node's fetch refuse to connect to them. */
export const FETCH_BLOCKED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137,
  139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723,
  2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);
