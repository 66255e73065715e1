-- DropIndex
DROP INDEX "devices_ipv4_idx";

-- DropIndex
DROP INDEX "devices_ipv6_idx";

-- CreateTable
CREATE TABLE "operator_sessions" (
    "id" UUID NOT NULL,
    "operatorId" UUID NOT NULL,
    "apiKeyId" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "operator_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "operator_sessions_prefix_key" ON "operator_sessions"("prefix");

-- CreateIndex
CREATE INDEX "operator_sessions_operatorId_idx" ON "operator_sessions"("operatorId");

-- CreateIndex
CREATE INDEX "operator_sessions_apiKeyId_idx" ON "operator_sessions"("apiKeyId");

-- CreateIndex
CREATE INDEX "operator_sessions_expiresAt_idx" ON "operator_sessions"("expiresAt");

-- CreateIndex
CREATE INDEX "devices_ipv4_idx" ON "devices"("ipv4" text_pattern_ops);

-- CreateIndex
CREATE INDEX "devices_ipv6_idx" ON "devices"("ipv6" text_pattern_ops);

-- CreateIndex
CREATE INDEX "devices_hostname_idx" ON "devices"("hostname" text_pattern_ops);

-- CreateIndex
CREATE INDEX "devices_identifier_idx" ON "devices"("identifier" text_pattern_ops);

-- CreateIndex
CREATE INDEX "certificates_createdAt_idx" ON "certificates"("createdAt");

-- AddForeignKey
ALTER TABLE "operator_sessions" ADD CONSTRAINT "operator_sessions_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "operators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "operator_sessions" ADD CONSTRAINT "operator_sessions_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;
