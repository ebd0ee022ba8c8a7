// @vitest-environment jsdom
import { useQuery } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import { Providers } from "./providers";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function Panel({ fails }: { fails: MlflowApiError }) {
  const q = useQuery({ queryKey: ["panel", fails.status], queryFn: () => Promise.reject(fails) });
  return <p>{q.isError ? "refused" : "loading"}</p>;
}

function renderPanel(error: MlflowApiError) {
  window.history.replaceState(null, "", "/projects/ml-team/flood-detection/runs?page=2");
  const assign = vi.fn();
  vi.spyOn(window, "location", "get").mockReturnValue({ ...window.location, pathname: window.location.pathname, search: window.location.search, assign });
  render(
    <Providers>
      <Panel fails={error} />
    </Providers>,
  );
  return assign;
}

describe("Providers", () => {
  it("sends the page to sign in again, back to where it was, when the gateway answers 401", async () => {
    const assign = renderPanel(new MlflowApiError(401, "UNAUTHENTICATED", "GitLab did not accept the token: it is unknown, expired or revoked."));
    await waitFor(() => expect(assign).toHaveBeenCalledWith("/signin?callbackUrl=%2Fprojects%2Fml-team%2Fflood-detection%2Fruns%3Fpage%3D2&reason=expired"));
  });

  it("leaves other refusals to the panel that asked", async () => {
    const assign = renderPanel(new MlflowApiError(403, "PERMISSION_DENIED", "Your role (Reporter) does not allow this."));
    await screen.findByText("refused");
    expect(assign).not.toHaveBeenCalled();
  });
});
