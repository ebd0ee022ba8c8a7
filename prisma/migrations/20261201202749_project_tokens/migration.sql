-- CreateEnum
CREATE TYPE "project_token_access" AS ENUM ('read', 'write');

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "token" TEXT;

-- CreateTable
CREATE TABLE "project_tokens" (
    "id" UUID NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "access" "project_token_access" NOT NULL,
    "project_id" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL,
    "owner_gitlab_id" INTEGER NOT NULL,
    "owner_username" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "project_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "project_tokens_secret_hash_key" ON "project_tokens"("secret_hash");

-- CreateIndex
CREATE INDEX "project_tokens_project_id_created_at_idx" ON "project_tokens"("project_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "project_tokens_user_id_idx" ON "project_tokens"("user_id");

-- AddForeignKey
ALTER TABLE "project_tokens" ADD CONSTRAINT "project_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
