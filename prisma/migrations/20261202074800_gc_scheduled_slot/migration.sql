-- AlterTable
ALTER TABLE "gc_runs" ADD COLUMN     "scheduled_for" TIMESTAMPTZ(0);

-- CreateIndex
CREATE UNIQUE INDEX "gc_runs_scheduled_for_key" ON "gc_runs"("scheduled_for");
