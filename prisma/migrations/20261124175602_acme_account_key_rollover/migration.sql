-- AlterTable
ALTER TABLE "acme_accounts" ADD COLUMN     "keyRolledAt" TIMESTAMP(3),
ADD COLUMN     "nextKeyCiphertext" BYTEA,
ADD COLUMN     "nextKeyStoredAt" TIMESTAMP(3),
ADD COLUMN     "nextKeyThumbprint" TEXT;
