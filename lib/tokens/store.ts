import type { ProjectTokenGrant, ProjectTokenSource } from "@/lib/gateway/access";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { ProjectTokenAccess } from "./rules";

/** A project token as its owner and the project's Maintainers see it: never the secret, nor its hash. */
export interface ProjectTokenSummary {
  id: string;
  name: string;
  access: ProjectTokenAccess;
  projectId: number;
  userId: string;
  ownerUsername: string;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
}

const SUMMARY = { id: true, name: true, access: true, projectId: true, userId: true, ownerUsername: true, createdAt: true, expiresAt: true, lastUsedAt: true } as const;

export interface NewProjectToken {
  hash: string;
  name: string;
  access: ProjectTokenAccess;
  projectId: number;
  userId: string;
  ownerGitlabId: number;
  ownerUsername: string;
  expiresAt: Date;
}

/** The hub's project tokens in its database. */
export function projectTokenStore(db: PrismaClient) {
  return {
    create: async (t: NewProjectToken): Promise<ProjectTokenSummary> =>
      db.projectToken.create({
        data: { secretHash: t.hash, name: t.name, access: t.access, projectId: t.projectId, userId: t.userId, ownerGitlabId: t.ownerGitlabId, ownerUsername: t.ownerUsername, expiresAt: t.expiresAt },
        select: SUMMARY,
      }),

    /** A project's tokens, newest first: all of them, or only one owner's. */
    list: async (projectId: number, userId?: string): Promise<ProjectTokenSummary[]> =>
      db.projectToken.findMany({ where: { projectId, ...(userId ? { userId } : {}) }, orderBy: { createdAt: "desc" }, select: SUMMARY }),

    get: async (projectId: number, id: string): Promise<(ProjectTokenSummary & { secretHash: string }) | null> =>
      db.projectToken.findFirst({ where: { id, projectId }, select: { ...SUMMARY, secretHash: true } }),

    /** Deletes it; false when it was already gone. */
    remove: async (id: string) => (await db.projectToken.deleteMany({ where: { id } })).count > 0,
  };
}

export type ProjectTokenStore = ReturnType<typeof projectTokenStore>;

/** The gateway's view of the store: find by hash; a use is recorded without making the request wait. */
export function projectTokenSource(db: PrismaClient, onError: (e: unknown) => void): ProjectTokenSource {
  return {
    async find(hash: string): Promise<ProjectTokenGrant | undefined> {
      const row = await db.projectToken.findUnique({
        where: { secretHash: hash },
        select: { id: true, name: true, access: true, projectId: true, ownerGitlabId: true, ownerUsername: true, expiresAt: true },
      });
      return row ?? undefined;
    },
    used(id: string) {
      db.projectToken.updateMany({ where: { id }, data: { lastUsedAt: new Date() } }).catch(onError);
    },
  };
}
