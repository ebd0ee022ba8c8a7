-- Counters the hub's replicas share (lib/gateway/budget-store.ts). UNLOGGED: no WAL for a
-- table rewritten every second, and a crash of Postgres empties it, which costs at most the
-- current minute's budgets. Prisma's schema has no word for UNLOGGED: this line is edited by hand.
-- CreateTable
CREATE UNLOGGED TABLE "gateway_budget_counts" (
    "minute" INTEGER NOT NULL,
    "budget" TEXT NOT NULL,
    "client" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "gateway_budget_counts_pkey" PRIMARY KEY ("minute","budget","client")
);

-- CreateTable
CREATE UNLOGGED TABLE "gateway_budget_replicas" (
    "id" UUID NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "gateway_budget_replicas_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "gateway_budget_counts_updated_at_idx" ON "gateway_budget_counts"("updated_at");
