#!/bin/sh
# Stands in for Prisma's native schema engine, which cannot be downloaded on
# these machines. It must fail: a stub that succeeds makes `prisma migrate
# deploy` report success while applying nothing. Migrations go through
# lib/db/migrate.ts (the WebAssembly engine) instead.
echo "prisma-engine-stub: the native schema engine is not installed here; use npm run db:migrate" >&2
exit 1
