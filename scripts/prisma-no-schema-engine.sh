#!/bin/sh
# Stands in for Prisma's native schema engine, which the Prisma CLI downloads on first use
# and which cannot be fetched on air-gapped machines. fleetcert never needs it: the client
# is generated from the schema (WASM) and migrations are applied by `npm run db:migrate`.
echo "fleetcert: the Prisma schema engine is not used; apply migrations with 'npm run db:migrate'." >&2
exit 1
