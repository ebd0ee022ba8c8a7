import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { EndpointStore } from "./endpoints";

/** The desired state of every endpoint, in the hub's database. */
export function endpointStore(db: PrismaClient): EndpointStore {
  return {
    all: () => db.servingEndpoint.findMany({ orderBy: { deployedAt: "asc" } }),
    deploy: (r) =>
      db.servingEndpoint.upsert({
        where: { projectId_model_refKind_ref: { projectId: r.projectId, model: r.model, refKind: r.refKind, ref: r.ref } },
        create: { ...r, version: r.refKind === "version" ? r.ref : null },
        update: { desired: "running", deployedBy: r.deployedBy, deployedAt: new Date() },
      }),
    setDesired: async (id, desired) => void (await db.servingEndpoint.update({ where: { id }, data: { desired } })),
    setVersion: async (id, version) => void (await db.servingEndpoint.update({ where: { id }, data: { version } })),
  };
}
