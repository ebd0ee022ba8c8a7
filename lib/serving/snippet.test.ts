import { describe, expect, it } from "vitest";
import { endpointUrl, invocationSnippets, servingBase } from "./snippet";

describe("serving snippets", () => {
  const tracking = "https://mlflow.example.com/mlflow/ml-team/flood-detection/tracking/";
  it("put the endpoint under the project's serving URI, the model name encoded", () => {
    expect(servingBase(tracking)).toBe("https://mlflow.example.com/mlflow/ml-team/flood-detection/serving");
    expect(endpointUrl(tracking, "flood model", "champion")).toBe("https://mlflow.example.com/mlflow/ml-team/flood-detection/serving/flood%20model/champion/invocations");
  });
  it("send the token from MLFLOW_TRACKING_TOKEN, never a literal one", () => {
    const { curl, python } = invocationSnippets(tracking, "flood", "3");
    expect(curl).toContain('"Authorization: Bearer $MLFLOW_TRACKING_TOKEN"');
    expect(curl).toContain("/serving/flood/3/invocations'");
    expect(python).toContain("os.environ['MLFLOW_TRACKING_TOKEN']");
    expect(python).toContain('url = "https://mlflow.example.com/mlflow/ml-team/flood-detection/serving/flood/3/invocations"');
  });
});
