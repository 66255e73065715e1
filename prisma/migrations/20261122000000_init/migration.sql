-- CreateEnum
CREATE TYPE "FleetPrivacy" AS ENUM ('home', 'hosted');

-- CreateEnum
CREATE TYPE "OperatorRole" AS ENUM ('admin', 'viewer');

-- CreateEnum
CREATE TYPE "DeviceStatus" AS ENUM ('active', 'disabled');

-- CreateEnum
CREATE TYPE "RequestStatus" AS ENUM ('pending', 'deferred', 'processing', 'valid', 'failed');

-- CreateEnum
CREATE TYPE "ChallengeType" AS ENUM ('dns-01', 'http-01');

-- CreateEnum
CREATE TYPE "ChallengeStatus" AS ENUM ('pending', 'presented', 'valid', 'invalid', 'cleaned');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('operator', 'device', 'system');

-- CreateTable
CREATE TABLE "fleets" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "zone" TEXT NOT NULL,
    "privacy" "FleetPrivacy" NOT NULL DEFAULT 'home',
    "allowMixedIdentifiers" BOOLEAN NOT NULL DEFAULT false,
    "defaultProfile" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "fleets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "operators" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "OperatorRole" NOT NULL DEFAULT 'admin',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operators_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "operatorId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "devices" (
    "id" UUID NOT NULL,
    "fleetId" UUID NOT NULL,
    "identifier" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "status" "DeviceStatus" NOT NULL DEFAULT 'active',
    "ipv4" TEXT,
    "ipv6" TEXT,
    "addressesUpdatedAt" TIMESTAMP(3),
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "devices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "device_tokens" (
    "id" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "device_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "acme_accounts" (
    "id" UUID NOT NULL,
    "directoryUrl" TEXT NOT NULL,
    "accountUrl" TEXT,
    "keyCiphertext" BYTEA NOT NULL,
    "keyId" TEXT NOT NULL,
    "contact" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "acme_accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificate_requests" (
    "id" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "accountId" UUID,
    "status" "RequestStatus" NOT NULL DEFAULT 'pending',
    "identifiers" JSONB NOT NULL,
    "identifierSet" TEXT NOT NULL,
    "csrPem" TEXT NOT NULL,
    "csrSha256" TEXT NOT NULL,
    "publicKeySha256" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "profile" TEXT,
    "challengeType" "ChallengeType" NOT NULL,
    "orderUrl" TEXT,
    "replacesCertificateId" UUID,
    "isRenewal" BOOLEAN NOT NULL DEFAULT false,
    "deferredUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "errorType" TEXT,
    "errorDetail" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "certificate_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "certificates" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "deviceId" UUID NOT NULL,
    "serial" TEXT NOT NULL,
    "ariCertId" TEXT NOT NULL,
    "identifierSet" TEXT NOT NULL,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "chainPem" TEXT NOT NULL,
    "publicKeySha256" TEXT NOT NULL,
    "renewalStart" TIMESTAMP(3),
    "renewalEnd" TIMESTAMP(3),
    "nextCheckAt" TIMESTAMP(3),
    "supersededById" UUID,
    "revokedAt" TIMESTAMP(3),
    "revokedReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "certificates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "challenges" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "type" "ChallengeType" NOT NULL,
    "identifierType" TEXT NOT NULL,
    "identifierValue" TEXT NOT NULL,
    "authorizationUrl" TEXT NOT NULL,
    "challengeUrl" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "keyAuthorization" TEXT NOT NULL,
    "status" "ChallengeStatus" NOT NULL DEFAULT 'pending',
    "expiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "challenges_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "rate_limit_buckets" (
    "id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "limitName" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "tat" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "rate_limit_buckets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "actorType" "ActorType" NOT NULL,
    "actorId" TEXT,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "fleets_name_key" ON "fleets"("name");

-- CreateIndex
CREATE UNIQUE INDEX "operators_name_key" ON "operators"("name");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "api_keys_operatorId_idx" ON "api_keys"("operatorId");

-- CreateIndex
CREATE UNIQUE INDEX "devices_hostname_key" ON "devices"("hostname");

-- CreateIndex
CREATE INDEX "devices_status_createdAt_idx" ON "devices"("status", "createdAt");

-- CreateIndex
CREATE INDEX "devices_createdAt_id_idx" ON "devices"("createdAt", "id");

-- CreateIndex
CREATE INDEX "devices_ipv4_idx" ON "devices"("ipv4");

-- CreateIndex
CREATE INDEX "devices_ipv6_idx" ON "devices"("ipv6");

-- CreateIndex
CREATE UNIQUE INDEX "devices_fleetId_identifier_key" ON "devices"("fleetId", "identifier");

-- CreateIndex
CREATE UNIQUE INDEX "devices_fleetId_label_key" ON "devices"("fleetId", "label");

-- CreateIndex
CREATE UNIQUE INDEX "device_tokens_prefix_key" ON "device_tokens"("prefix");

-- CreateIndex
CREATE INDEX "device_tokens_deviceId_idx" ON "device_tokens"("deviceId");

-- CreateIndex
CREATE UNIQUE INDEX "acme_accounts_directoryUrl_key" ON "acme_accounts"("directoryUrl");

-- CreateIndex
CREATE INDEX "certificate_requests_deviceId_createdAt_idx" ON "certificate_requests"("deviceId", "createdAt");

-- CreateIndex
CREATE INDEX "certificate_requests_deviceId_csrSha256_idx" ON "certificate_requests"("deviceId", "csrSha256");

-- CreateIndex
CREATE INDEX "certificate_requests_status_updatedAt_idx" ON "certificate_requests"("status", "updatedAt");

-- CreateIndex
CREATE INDEX "certificate_requests_status_deferredUntil_idx" ON "certificate_requests"("status", "deferredUntil");

-- CreateIndex
CREATE UNIQUE INDEX "certificate_requests_deviceId_idempotencyKey_key" ON "certificate_requests"("deviceId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "certificates_requestId_key" ON "certificates"("requestId");

-- CreateIndex
CREATE INDEX "certificates_deviceId_notAfter_idx" ON "certificates"("deviceId", "notAfter");

-- CreateIndex
CREATE INDEX "certificates_notAfter_idx" ON "certificates"("notAfter");

-- CreateIndex
CREATE INDEX "certificates_nextCheckAt_idx" ON "certificates"("nextCheckAt");

-- CreateIndex
CREATE INDEX "certificates_publicKeySha256_idx" ON "certificates"("publicKeySha256");

-- CreateIndex
CREATE UNIQUE INDEX "certificates_ariCertId_key" ON "certificates"("ariCertId");

-- CreateIndex
CREATE INDEX "challenges_token_idx" ON "challenges"("token");

-- CreateIndex
CREATE INDEX "challenges_status_updatedAt_idx" ON "challenges"("status", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "challenges_requestId_authorizationUrl_key" ON "challenges"("requestId", "authorizationUrl");

-- CreateIndex
CREATE UNIQUE INDEX "rate_limit_buckets_scope_limitName_key_key" ON "rate_limit_buckets"("scope", "limitName", "key");

-- CreateIndex
CREATE INDEX "audit_events_createdAt_idx" ON "audit_events"("createdAt");

-- CreateIndex
CREATE INDEX "audit_events_targetType_targetId_createdAt_idx" ON "audit_events"("targetType", "targetId", "createdAt");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_operatorId_fkey" FOREIGN KEY ("operatorId") REFERENCES "operators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "devices" ADD CONSTRAINT "devices_fleetId_fkey" FOREIGN KEY ("fleetId") REFERENCES "fleets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device_tokens" ADD CONSTRAINT "device_tokens_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "devices"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "devices"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificate_requests" ADD CONSTRAINT "certificate_requests_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "acme_accounts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "certificate_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "devices"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "challenges" ADD CONSTRAINT "challenges_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "certificate_requests"("id") ON DELETE CASCADE ON UPDATE CASCADE;
