/** Loopback ports of the local stack; LOCAL_PORT_OFFSET shifts them all (tests run a second stack beside a developer's). */
export interface Ports {
  hub: number;
  gitlab: number;
  mlflow: number;
  postgres: number;
  minio: number;
  minioConsole: number;
}

export const DEFAULT_PORTS: Ports = { hub: 3000, gitlab: 3001, mlflow: 5001, postgres: 5433, minio: 9000, minioConsole: 9001 };

export function portsWithOffset(offset: number): Ports {
  return Object.fromEntries(Object.entries(DEFAULT_PORTS).map(([k, v]) => [k, v + offset])) as unknown as Ports;
}
