// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EndpointView } from "@/lib/serving/endpoints";
import type { InstanceView } from "@/lib/serving/supervisor";

vi.mock("server-only", () => ({}));
const requireAdmin = vi.fn();
vi.mock("@/server/admin/access", () => ({ requireAdmin: () => requireAdmin() }));
const sharedServing = vi.fn();
vi.mock("@/server/serving", () => ({ sharedServing: () => sharedServing() }));
vi.mock("@/server/admin/projects", () => ({ gitlabPath: async (id: number) => (id === 101 ? { state: "found", path: "ml-team/flood-detection" } : { state: "gone" }) }));
const auditCreate = vi.fn(async (_: unknown) => ({}));
vi.mock("@/lib/db/client", () => ({ db: () => ({ auditEvent: { create: auditCreate } }) }));
vi.mock("@/lib/logger", () => ({ logger: () => ({ info: () => {}, warn: () => {}, error: () => {} }) }));
vi.mock("next/cache", () => ({ revalidatePath: () => {} }));
vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: () => {} }) }));

const { default: AdminServingPage } = await import("./page");
const { stopEndpoint } = await import("./actions");

const ID = "0192f0a0-0000-7000-8000-000000000001";
const endpoint: EndpointView = {
  id: ID,
  projectId: 101,
  model: "flood",
  ref: "1",
  kind: "version",
  version: "1",
  state: "ready",
  error: null,
  log: [],
  deployedBy: "bob",
  deployedAt: "2026-12-02T10:00:00.000Z",
  rollingTo: null,
  limits: null,
  instance: "01920a0-v1",
  memoryBytes: null,
  cpuSeconds: null,
};
const instance: InstanceView = { id: "01920a0-v1", project_id: 101, model: "flood", version: "1", state: "ready", error: null, started_at: 0, ready_at: 1, limits: "memory 1024 MB", log: [], memory_bytes: 104_857_600, cpu_seconds: 2 };

function fakeServing(over: { list?: () => Promise<InstanceView[]> } = {}) {
  const manager = { list: vi.fn(async () => [endpoint]), stop: vi.fn(async () => ({ ...endpoint, state: "stopped" })) };
  const supervisor = { list: over.list ?? (async () => [instance]) };
  sharedServing.mockReturnValue({ manager, supervisor });
  return manager;
}

const form = (id: string) => {
  const f = new FormData();
  f.set("endpoint", id);
  return f;
};

const admin = { userId: "u-root", username: "root", token: "glpat-root", via: "GitLab" };
const refused = new Error("NEXT_HTTP_ERROR_FALLBACK;404");

beforeEach(() => {
  requireAdmin.mockReset();
  sharedServing.mockReset();
  auditCreate.mockClear();
});
afterEach(cleanup);

describe("admin Serving page", () => {
  it("says serving is off when the hub has no SERVING_URL", async () => {
    requireAdmin.mockResolvedValue(admin);
    sharedServing.mockReturnValue(undefined);
    render(await AdminServingPage());
    expect(screen.getByTestId("serving-off").textContent).toContain("SERVING_URL is not set");
    expect(document.querySelector("table")).toBeNull();
  });

  it("lists the endpoints with the runtime's memory and CPU time, read live from the supervisor", async () => {
    requireAdmin.mockResolvedValue(admin);
    fakeServing();
    render(await AdminServingPage());
    const tr = document.querySelector("tr[data-endpoint='101/flood/1']")!;
    expect(tr.querySelector("td[data-column='memory']")!.textContent).toBe("100 MiB");
    expect(tr.querySelector("td[data-column='cpuSeconds']")!.textContent).toBe("2.0 s");
    expect(screen.getByTestId("serving-summary").textContent).toContain("1 endpoint in 1 project, 1 running, using 100 MiB of memory");
  });

  it("still lists the endpoints when the runtime does not answer, and says the usage is unknown", async () => {
    requireAdmin.mockResolvedValue(admin);
    fakeServing({ list: async () => Promise.reject(new Error("TEMPORARILY_UNAVAILABLE")) });
    render(await AdminServingPage());
    expect(document.querySelector("[role='alert']")?.textContent).toContain("The serving runtime does not answer");
    expect(document.querySelector("tr[data-endpoint='101/flood/1'] td[data-column='memory']")!.textContent).toBe("—");
  });

  it("is refused to anyone requireAdmin turns away, before serving is looked at", async () => {
    requireAdmin.mockRejectedValue(refused);
    fakeServing();
    await expect(AdminServingPage()).rejects.toBe(refused);
    expect(sharedServing).not.toHaveBeenCalled();
  });
});

describe("the admin's Stop", () => {
  it("stops the endpoint through the manager and writes an audit row naming the admin and the project", async () => {
    requireAdmin.mockResolvedValue(admin);
    const manager = fakeServing();
    expect(await stopEndpoint({}, form(ID))).toEqual({ message: "Stopped flood 1." });
    expect(manager.stop).toHaveBeenCalledWith(101, "flood", { kind: "version", version: "1" });
    expect(auditCreate).toHaveBeenCalledWith({
      data: expect.objectContaining({ userId: "u-root", username: "root", projectId: 101, projectPath: "ml-team/flood-detection", route: "/admin/serving", action: "write", outcome: "allowed", detail: "stopped the endpoint flood version 1 from the admin page" }),
    });
  });

  it("stops nothing for a non-admin", async () => {
    requireAdmin.mockRejectedValue(refused);
    const manager = fakeServing();
    await expect(stopEndpoint({}, form(ID))).rejects.toBe(refused);
    expect(manager.list).not.toHaveBeenCalled();
    expect(manager.stop).not.toHaveBeenCalled();
    expect(auditCreate).not.toHaveBeenCalled();
  });

  it("stops nothing for an id that is not an endpoint's", async () => {
    requireAdmin.mockResolvedValue(admin);
    const manager = fakeServing();
    expect(await stopEndpoint({}, form("0192f0a0-0000-7000-8000-00000000ffff"))).toEqual({ message: "No such endpoint: it may have been removed meanwhile." });
    expect(await stopEndpoint({}, form("../../etc"))).toEqual({ message: "No such endpoint." });
    expect(manager.stop).not.toHaveBeenCalled();
  });
});
