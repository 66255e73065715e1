-- AlterTable
ALTER TABLE "certificate_requests" ADD COLUMN     "ariReplaces" TEXT;

-- AlterTable
ALTER TABLE "certificates" ADD COLUMN     "ariCheckedAt" TIMESTAMP(3),
ADD COLUMN     "renewAt" TIMESTAMP(3),
ADD COLUMN     "supersededAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "certificate_requests_replacesCertificateId_idx" ON "certificate_requests"("replacesCertificateId");

-- CreateIndex
CREATE INDEX "certificates_renewAt_idx" ON "certificates"("renewAt");

-- CreateIndex
CREATE INDEX "certificates_identifierSet_notBefore_idx" ON "certificates"("identifierSet", "notBefore");

-- CreateIndex
CREATE INDEX "certificates_supersededById_idx" ON "certificates"("supersededById");

-- CreateIndex
CREATE INDEX "rate_limit_buckets_scope_tat_idx" ON "rate_limit_buckets"("scope", "tat");

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_supersededById_fkey" FOREIGN KEY ("supersededById") REFERENCES "certificates"("id") ON DELETE SET NULL ON UPDATE CASCADE;
