// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ProjectCounts } from "./project-counts";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function renderCounts(answer: (url: string, body: Record<string, unknown>) => Response) {
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => answer(url, init?.body ? JSON.parse(String(init.body)) : {}));
  vi.stubGlobal("fetch", fetchMock);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ProjectCounts projectId={101} />
    </QueryClientProvider>,
  );
  return fetchMock;
}

const value = (testId: string) => screen.getByTestId(testId).querySelector("dd")!.textContent;

describe("project counts", () => {
  it("reads each count through the project's gateway path and marks a capped one with +", async () => {
    const fetchMock = renderCounts((url, body) => {
      if (url.endsWith("/experiments/search")) return json(200, { experiments: [{ experiment_id: "1" }, { experiment_id: "2" }] });
      if (url.endsWith("/runs/search")) return json(200, { runs: Array.from({ length: 1000 }, (_, i) => ({ info: { run_id: String(i) } })), next_page_token: "more", asked: body });
      return json(200, { registered_models: [{ name: "m" }] });
    });
    await waitFor(() => expect([value("count-experiments"), value("count-runs"), value("count-models")]).toEqual(["2", "1,000+", "1"]));
    const runsCall = fetchMock.mock.calls.find(([url]) => url.endsWith("/runs/search"))!;
    expect(runsCall[0]).toBe("/mlflow/101/tracking/ajax-api/2.0/mlflow/runs/search");
    expect(JSON.parse(String(runsCall[1]!.body))).toMatchObject({ experiment_ids: ["1", "2"], max_results: 1000 });
  });

  it("shows a dash, not an error, for a count that cannot be read", async () => {
    renderCounts((url) => (url.includes("registered-models") ? json(503, { error_code: "TEMPORARILY_UNAVAILABLE", message: "down" }) : json(200, {})));
    await waitFor(() => expect([value("count-experiments"), value("count-runs"), value("count-models")]).toEqual(["0", "0", "—"]));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows a dash for runs when the experiments behind them cannot be read", async () => {
    renderCounts((url) => (url.endsWith("/experiments/search") ? json(403, { error_code: "PERMISSION_DENIED", message: "no" }) : json(200, {})));
    await waitFor(() => expect([value("count-experiments"), value("count-runs")]).toEqual(["—", "—"]));
  });
});
