// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ServingRow } from "@/lib/admin/serving";
import { ServingTable } from "./serving-table";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const row = (over: Partial<ServingRow>): ServingRow => ({
  id: "0192f0a0-0000-7000-8000-000000000001",
  projectId: 101,
  project: { state: "found", path: "ml-team/flood-detection" },
  model: "flood",
  ref: "champion",
  kind: "alias",
  version: "2",
  state: "ready",
  rollingTo: null,
  error: null,
  log: [],
  deployedBy: "bob",
  deployedAt: "2026-12-02T10:00:00.000Z",
  limits: "memory 1024 MB, 1 CPU",
  memoryBytes: 157_286_400,
  cpuSeconds: 4.25,
  cpuPercent: 12.5,
  requests: 1234,
  meanLatencyMs: 3.25,
  ...over,
});

const cells = (tr: HTMLElement) => Object.fromEntries([...tr.querySelectorAll("td[data-column]")].map((td) => [td.getAttribute("data-column"), td.textContent]));

describe("admin serving table", () => {
  it("shows each endpoint's project as a link, what it serves, its state, memory, CPU and requests", () => {
    // The deployed cell is relative to now: pin the clock two hours after the row's deployedAt.
    vi.useFakeTimers({ now: Date.parse("2026-12-02T12:00:00.000Z"), toFake: ["Date"] });
    render(<ServingTable rows={[row({})]} stop={vi.fn()} />);
    const tr = document.querySelector<HTMLElement>("tr[data-endpoint='101/flood/champion']")!;
    const link = tr.querySelector("a")!;
    expect([link.textContent, link.getAttribute("href")]).toEqual(["ml-team/flood-detection", "/projects/ml-team/flood-detection"]);
    expect(tr.textContent).toContain("@champion");
    expect(within(tr).getByTestId("endpoint-state").textContent).toBe("ready");
    expect(cells(tr)).toEqual({ version: "2", memory: "150 MiB", cpu: "13 %", cpuSeconds: "4.3 s", requests: "1,234 · 3.3 ms", deployed: "bob, 2 hours ago" });
    expect(tr.querySelector("td[data-column='memory']")!.getAttribute("title")).toBe("Limits: memory 1024 MB, 1 CPU");
  });

  it("opens a failed endpoint's error with its last log lines, and shows unknown usage as a dash", () => {
    render(<ServingTable rows={[row({ state: "failed", version: null, error: "The model failed to load.", log: ["Traceback (most recent call last):", "RuntimeError: boom"], memoryBytes: null, cpuSeconds: null, cpuPercent: null })]} stop={vi.fn()} />);
    const tr = document.querySelector<HTMLElement>("tr[data-state='failed']")!;
    expect(tr.querySelector("details")!.open).toBe(true);
    expect(within(tr).getByText("The model failed to load.")).toBeTruthy();
    expect(within(tr).getByTestId("endpoint-log").textContent).toBe("Traceback (most recent call last):\nRuntimeError: boom");
    expect(cells(tr)).toMatchObject({ version: "—", memory: "—", cpu: "—", cpuSeconds: "—" });
  });

  it("names a project GitLab no longer knows by its id", () => {
    render(<ServingTable rows={[row({ projectId: 7, project: { state: "gone" } })]} stop={vi.fn()} />);
    const tr = document.querySelector<HTMLElement>("tr[data-endpoint='7/flood/champion']")!;
    expect(tr.querySelector("a")).toBeNull();
    expect(tr.textContent).toContain("project 7");
    expect(tr.textContent).toContain("gone from GitLab");
  });

  it("stops an endpoint through the action with its id and shows the answer; a stopped endpoint has no Stop", async () => {
    const stop = vi.fn(async (_: unknown, form: FormData) => ({ message: `Stopped ${String(form.get("endpoint"))}.` }));
    render(<ServingTable rows={[row({}), row({ id: "0192f0a0-0000-7000-8000-000000000002", model: "old", state: "stopped" })]} stop={stop} />);
    // Accessible names as the buttons' aria-label gives them (getByRole is slow in jsdom on a loaded machine).
    expect(screen.queryByLabelText(/^Stop old/)).toBeNull();
    fireEvent.click(screen.getByLabelText("Stop flood @champion in ml-team/flood-detection"));
    await waitFor(() => expect(document.querySelector("[role='status']")?.textContent).toContain("Stopped 0192f0a0-0000-7000-8000-000000000001."));
    expect(stop).toHaveBeenCalledTimes(1);
  });

  it("says so when no project has an endpoint", () => {
    render(<ServingTable rows={[]} stop={vi.fn()} />);
    expect(screen.getByText("No endpoint is deployed in any project.")).toBeTruthy();
  });
});
