import { MINIO_RELEASE } from "@/infra/local/versions";

/**
 * The MLflow release the appliance pins (infra/mlflow/requirements.txt and the
 * Dockerfile's FROM line; a test keeps this in step). The health page compares
 * it with what the running server reports.
 */
export const MLFLOW_PIN = "3.17.2";

/** MinIO's pinned release, as its admin API reports versions (2025-09-07T16:13:09Z). */
export const MINIO_PIN = MINIO_RELEASE.replace(/^RELEASE\./, "").replace(/T(\d\d)-(\d\d)-(\d\d)Z$/, "T$1:$2:$3Z");
