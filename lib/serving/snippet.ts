/** The project's serving URI from its tracking URI: …/mlflow/<project>/tracking/ → …/mlflow/<project>/serving. */
export const servingBase = (trackingUri: string) => trackingUri.replace(/\/tracking\/?$/, "/serving");

export const endpointUrl = (trackingUri: string, model: string, ref: string) => `${servingBase(trackingUri)}/${encodeURIComponent(model)}/${ref}/invocations`;

const EXAMPLE = '{"inputs": [[1.0, 2.0, 3.0]]}';

/** Ready-to-run calls of an endpoint, with the token from MLFLOW_TRACKING_TOKEN (as the tracking snippet sets it). */
export function invocationSnippets(trackingUri: string, model: string, ref: string): { curl: string; python: string } {
  const url = endpointUrl(trackingUri, model, ref);
  return {
    curl: [`curl -sS -X POST '${url}' \\`, `  -H "Authorization: Bearer $MLFLOW_TRACKING_TOKEN" \\`, `  -H 'Content-Type: application/json' \\`, `  -d '${EXAMPLE}'`].join("\n"),
    python: [
      "import os",
      "import requests",
      "",
      `url = ${JSON.stringify(url)}`,
      "# Your model's input: dataframe_split, dataframe_records, instances or inputs (MLflow's scoring protocol).",
      `body = ${EXAMPLE}`,
      'r = requests.post(url, json=body, headers={"Authorization": f"Bearer {os.environ[\'MLFLOW_TRACKING_TOKEN\']}"}, timeout=60)',
      "r.raise_for_status()",
      'print(r.json()["predictions"])',
    ].join("\n"),
  };
}
