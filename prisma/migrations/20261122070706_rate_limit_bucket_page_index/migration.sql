-- DropIndex
DROP INDEX "rate_limit_buckets_scope_tat_idx";

-- CreateIndex
CREATE INDEX "rate_limit_buckets_scope_tat_id_idx" ON "rate_limit_buckets"("scope", "tat", "id");
