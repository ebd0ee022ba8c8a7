import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plant, plantFlood, type Planted } from "./fixtures.ts";
import { FLOOD, leaked, PUBLIC_MODELS, SEGMENTATION, send, TOKENS, type Reply } from "./hub.ts";
import { describeAnswer, gatewayRefusal } from "./refusals.ts";

// Model endpoints follow the permission table like every tracking route: invoking and reading an
// endpoint's state is read (Guest and up, and the visibility's readers), deploying and stopping is
// write (Developer and up); a project the caller cannot see, or an endpoint another project has,
// is the same 404 as everything else. The planted model version has no loadable model, so an
// allowed invocation reaches the endpoint's own answer (503, it failed to start), never a refusal.

let flood: Planted;
let publicModels: Planted;
const serving = (project: string | number) => `/mlflow/${project}/serving`;
const endpointOf = (p: Planted, project: string | number = p.projectPath) => `${serving(project)}/${encodeURIComponent(p.modelName)}/${p.modelVersion}`;

beforeAll(async () => {
  [flood, publicModels] = await Promise.all([plantFlood(), plant({ path: PUBLIC_MODELS.path, workspace: `gitlab-${PUBLIC_MODELS.id}` }, TOKENS.alice, "public")]);
  for (const [p, token] of [[flood, TOKENS.bob], [publicModels, TOKENS.alice]] as const) {
    const r = await send({ method: "PUT", path: endpointOf(p), token });
    expect(r.status, describeAnswer(r)).toBe(202);
  }
});

afterAll(async () => {
  await send({ method: "DELETE", path: endpointOf(flood), token: TOKENS.bob });
  await send({ method: "DELETE", path: endpointOf(publicModels), token: TOKENS.alice });
});

/** Allowed: the endpoint's own answer (its state, or 503 while it failed or starts), not the gateway's refusal. */
function expectReached(r: Reply, what: string) {
  expect([200, 503], `${what}: ${describeAnswer(r)}`).toContain(r.status);
  if (r.status === 503) expect(r.json?.message, what).toMatch(/endpoint/);
}

function expectRefused(r: Reply, status: number, code: string, what: string) {
  expect(gatewayRefusal(r), `${what}: ${describeAnswer(r)}`).toMatchObject({ status, code });
}

// ml-team/flood-detection (101, private): alice Owner, maya Maintainer, bob Developer, carol Reporter,
// erin Planner, dave Guest (all through ml-team); oscar has no membership.
const READERS = ["alice", "maya", "bob", "carol", "erin", "dave"] as const;
const WRITERS = ["alice", "maya", "bob"] as const;
const READ_ONLY = ["carol", "erin", "dave"] as const;

describe("invoking a private project's endpoint", () => {
  for (const who of READERS) {
    it(`${who} (a member) invokes it and reads its state`, async () => {
      expectReached(await send({ method: "POST", path: `${endpointOf(flood)}/invocations`, token: TOKENS[who], body: { inputs: [[1]] } }), "invocations");
      expectReached(await send({ path: `${endpointOf(flood)}/ping`, token: TOKENS[who] }), "ping");
      const state = await send({ path: endpointOf(flood), token: TOKENS[who] });
      expect(state.status, describeAnswer(state)).toBe(200);
      expect(state.json.model).toBe(flood.modelName);
      const list = await send({ path: `${serving(FLOOD.path)}/`, token: TOKENS[who] });
      expect(list.json.endpoints.map((e: { model: string }) => e.model)).toContain(flood.modelName);
    });
  }

  it("a CI job token of the project's running job invokes it", async () => {
    expectReached(await send({ method: "POST", path: `${endpointOf(flood)}/invocations`, token: TOKENS.jobRunning, body: { inputs: [[1]] } }), "job token");
  });

  it("an outsider gets the 404 of a project that does not exist, for the endpoint, its state and the list", async () => {
    for (const path of [`${endpointOf(flood)}/invocations`, endpointOf(flood), `${serving(FLOOD.path)}/`]) {
      const r = await send({ method: path.endsWith("invocations") ? "POST" : "GET", path, token: TOKENS.oscar, body: path.endsWith("invocations") ? { inputs: [[1]] } : undefined });
      expectRefused(r, 404, "RESOURCE_DOES_NOT_EXIST", path);
      expect(leaked(flood.secrets, { path }, r)).toEqual([]);
    }
  });

  it("an anonymous caller is told to sign in, a revoked or expired token is refused, a finished job's token too", async () => {
    expectRefused(await send({ method: "POST", path: `${endpointOf(flood)}/invocations`, body: { inputs: [[1]] } }), 401, "UNAUTHENTICATED", "anonymous");
    for (const token of [TOKENS.bobRevoked, TOKENS.bobExpired, TOKENS.jobFinished]) {
      expectRefused(await send({ method: "POST", path: `${endpointOf(flood)}/invocations`, token, body: { inputs: [[1]] } }), 401, "UNAUTHENTICATED", token);
    }
  });

  it("another project's URI does not reach this project's endpoint, even for a member of both", async () => {
    // bob is a Developer of ml-team, so of ml-team/vision/segmentation (102) too: 102 has no such endpoint.
    for (const project of [SEGMENTATION.path, SEGMENTATION.id]) {
      const call = { method: "POST", path: `${endpointOf(flood, project)}/invocations`, token: TOKENS.bob, body: { inputs: [[1]] } };
      const r = await send(call);
      expectRefused(r, 404, "RESOURCE_DOES_NOT_EXIST", String(project));
      expect(leaked(flood.secrets, call, r)).toEqual([]);
    }
  });

  it("the same endpoint is reached by the project's id as by its path", async () => {
    expectReached(await send({ path: `${endpointOf(flood, FLOOD.id)}/ping`, token: TOKENS.carol }), "by id");
  });
});

describe("deploying and stopping", () => {
  for (const who of READ_ONLY) {
    it(`${who} (read only) may neither deploy nor stop: 403 naming the role`, async () => {
      for (const method of ["PUT", "DELETE"]) {
        const r = await send({ method, path: endpointOf(flood), token: TOKENS[who] });
        expectRefused(r, 403, "PERMISSION_DENIED", `${who} ${method}`);
        expect(r.json.message).toMatch(/Developer or higher/);
      }
    });
  }

  for (const who of WRITERS) {
    it(`${who} (Developer or higher) deploys`, async () => {
      const r = await send({ method: "PUT", path: endpointOf(flood), token: TOKENS[who] });
      expect(r.status, describeAnswer(r)).toBe(202);
      expect(r.json.url).toBe(`${endpointOf(flood)}/invocations`);
    });
  }

  it("a read_api-only token cannot deploy (the token, not the role, is read-only)", async () => {
    expectRefused(await send({ method: "PUT", path: endpointOf(flood), token: "glpat-bob-readapi" }), 403, "PERMISSION_DENIED", "read_api");
  });

  it("an outsider deploying gets 404, and a version that does not exist is 404 too", async () => {
    expectRefused(await send({ method: "PUT", path: endpointOf(flood), token: TOKENS.oscar }), 404, "RESOURCE_DOES_NOT_EXIST", "oscar");
    expectRefused(await send({ method: "PUT", path: `${serving(FLOOD.path)}/${encodeURIComponent(flood.modelName)}/99`, token: TOKENS.bob }), 404, "RESOURCE_DOES_NOT_EXIST", "no version 99");
  });

  it("a browser session's deploy from another site is refused before anything is looked up", async () => {
    const r = await send({ method: "PUT", path: endpointOf(flood), headers: { cookie: "authjs.session-token=forged", origin: "https://evil.example", "sec-fetch-site": "cross-site" } });
    expectRefused(r, 403, "PERMISSION_DENIED", "cross-site");
  });
});

describe("a public project's endpoint", () => {
  it("anyone signed in, and anonymous callers, invoke it; only its Developers and up deploy", async () => {
    expectReached(await send({ path: `${endpointOf(publicModels)}/ping`, token: TOKENS.oscar }), "oscar");
    expectReached(await send({ path: `${endpointOf(publicModels)}/ping` }), "anonymous");
    expectRefused(await send({ method: "PUT", path: endpointOf(publicModels), token: TOKENS.oscar }), 403, "PERMISSION_DENIED", "oscar deploys");
    expectRefused(await send({ method: "PUT", path: endpointOf(publicModels) }), 401, "UNAUTHENTICATED", "anonymous deploys");
  });
});

describe("the serving runtime's tunnels (the hub's one way to an instance)", () => {
  /** One raw exchange with the runtime: what it answers to a request head, until it closes the connection. */
  function exchange(head: string): Promise<string> {
    const url = new URL(process.env.SERVING_URL!);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => socket.write(head));
      let answer = "";
      socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(head.split("\r\n")[0])}: ${answer}`)));
      socket.on("data", (c: Buffer) => (answer += c.toString("latin1")));
      socket.on("close", () => resolve(answer));
      socket.on("error", reject);
    });
  }
  const connect = (instance: string, ...authorization: string[]) =>
    exchange(`CONNECT /instances/${instance} HTTP/1.1\r\nhost: serving\r\n${authorization.map((a) => `authorization: ${a}\r\n`).join("")}\r\n`);
  const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { error_code: string };
  const right = () => `Bearer ${process.env.SERVING_TOKEN}`;

  it("opens only for SERVING_TOKEN, sent once: none, a wrong one or two are refused 401 and the connection closed", async () => {
    for (const auth of [[], ["Bearer wrong-token-wrong-token-wrong-token"], [right(), right()], [right().toLowerCase()]]) {
      const answer = await connect("abcdef-v1", ...auth);
      expect(answer.split("\r\n")[0], auth.join(" + ")).toBe("HTTP/1.1 401 Unauthorized");
      expect(bodyOf(answer)).toMatchObject({ error_code: "UNAUTHENTICATED" });
    }
  });

  it("refuses an instance it does not run, or a name that is not an instance's, 404 without reaching anything", async () => {
    for (const instance of ["abcdef-v1", "..%2fsockets%2fx", "ABC", "a/../b"]) {
      const answer = await connect(instance, right());
      expect(answer.split("\r\n")[0], instance).toBe("HTTP/1.1 404 Not Found");
      expect(bodyOf(answer)).toMatchObject({ error_code: "RESOURCE_DOES_NOT_EXIST" });
    }
  });

  it("hands every other request to its control API, which asks for the token too", async () => {
    expect((await exchange("GET /health HTTP/1.1\r\nhost: serving\r\nconnection: close\r\n\r\n")).split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect((await exchange("GET /instances HTTP/1.1\r\nhost: serving\r\nconnection: close\r\n\r\n")).split("\r\n")[0]).toBe("HTTP/1.1 401 Unauthorized");
    // The path the runtime once proxied invocations on is gone: the tunnel is the only way in.
    expect((await exchange(`POST /instances/abcdef-v1/invocations HTTP/1.1\r\nhost: serving\r\nauthorization: ${right()}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`)).split("\r\n")[0]).toBe("HTTP/1.1 404 Not Found");
  });
});
