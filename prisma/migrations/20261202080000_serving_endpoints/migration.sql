-- CreateEnum
CREATE TYPE "serving_ref_kind" AS ENUM ('version', 'alias');

-- CreateEnum
CREATE TYPE "serving_desired" AS ENUM ('running', 'stopped');

-- CreateTable
CREATE TABLE "serving_endpoints" (
    "id" UUID NOT NULL,
    "project_id" INTEGER NOT NULL,
    "model" TEXT NOT NULL,
    "ref_kind" "serving_ref_kind" NOT NULL,
    "ref" TEXT NOT NULL,
    "version" TEXT,
    "desired" "serving_desired" NOT NULL DEFAULT 'running',
    "deployed_by" TEXT NOT NULL,
    "deployed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "serving_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "serving_endpoints_project_id_model_ref_kind_ref_key" ON "serving_endpoints"("project_id", "model", "ref_kind", "ref");
