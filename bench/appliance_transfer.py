"""One artifact up and down with the stock MLflow client, timed; prints one JSON line.

Run by bench/appliance.ts from the host (through Traefik and the hub) and inside the
appliance's internal network (MLflow directly). The tracking URI, the credentials and,
for MLflow directly, the workspace come from the environment as the client reads them.
"""
import hashlib
import json
import os
import sys
import tempfile
import time

import mlflow


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    size_mb = int(sys.argv[1])
    work = tempfile.mkdtemp(prefix="bench-transfer-")
    src = os.path.join(work, "big.bin")
    with open(src, "wb") as f:
        block = os.urandom(1 << 20)
        for i in range(size_mb):
            # Differs per MiB so no layer can deduplicate it.
            f.write(i.to_bytes(8, "little") + block[8:])
    expected = sha256(src)
    mlflow.set_experiment(f"bench-appliance-{os.getpid()}-{int(time.time())}")
    with mlflow.start_run() as run:
        t0 = time.perf_counter()
        mlflow.log_artifact(src)
        up = time.perf_counter() - t0
    t0 = time.perf_counter()
    back = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="big.bin", dst_path=os.path.join(work, "back"))
    down = time.perf_counter() - t0
    identical = sha256(back) == expected
    print(json.dumps({"mb": size_mb, "up_s": up, "down_s": down, "identical": identical}))
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()
