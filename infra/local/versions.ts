// Pinned versions of the stack's servers. The compose file pins the same releases
// (its invariant test reads this module), so the local stack runs what a server runs.

/** Last MinIO community release served by the Go module proxy (also the last Docker Hub image). */
export const MINIO_RELEASE = "RELEASE.2025-09-07T16-13-09Z";
export const MINIO_MODULE = "github.com/minio/minio";
export const MINIO_MODULE_VERSION = "v0.0.0-20250907161309-07c3a429bfed";
export const MINIO_COMMIT = "07c3a429bfed433e49018cb0f78a52145d4bedeb";

/** PostgreSQL major version: Debian bookworm's, and the compose image's. */
export const POSTGRES_MAJOR = 15;
