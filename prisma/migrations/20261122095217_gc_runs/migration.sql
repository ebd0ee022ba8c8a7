-- CreateEnum
CREATE TYPE "gc_status" AS ENUM ('requested', 'running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "gc_trigger" AS ENUM ('schedule', 'manual', 'cli');

-- CreateTable
CREATE TABLE "gc_runs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "status" "gc_status" NOT NULL DEFAULT 'requested',
    "trigger" "gc_trigger" NOT NULL,
    "older_than" TEXT NOT NULL,
    "removed_runs" INTEGER NOT NULL DEFAULT 0,
    "removed_experiments" INTEGER NOT NULL DEFAULT 0,
    "removed" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,

    CONSTRAINT "gc_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "gc_runs_status_requested_at_idx" ON "gc_runs"("status", "requested_at");

-- CreateIndex
CREATE INDEX "gc_runs_requested_at_idx" ON "gc_runs"("requested_at" DESC);
