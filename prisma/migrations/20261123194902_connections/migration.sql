-- CreateEnum
CREATE TYPE "DeploymentType" AS ENUM ('SERVICES', 'SERVER');

-- CreateEnum
CREATE TYPE "AuthMethod" AS ENUM ('PAT', 'OAUTH');

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('HEALTHY', 'WARNING', 'FAILING', 'NEEDS_REAUTH', 'CREDENTIALS_MISSING', 'CREDENTIALS_UNREADABLE');

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "apiVersion" TEXT,
ADD COLUMN     "authMethod" "AuthMethod" NOT NULL,
ADD COLUMN     "caBundlePem" TEXT,
ADD COLUMN     "collection" TEXT NOT NULL,
ADD COLUMN     "deploymentType" "DeploymentType" NOT NULL,
ADD COLUMN     "idempotencyKey" TEXT,
ADD COLUMN     "lastCheckAt" TIMESTAMP(3),
ADD COLUMN     "lastCheckResult" JSONB,
ADD COLUMN     "nameKey" TEXT NOT NULL,
ADD COLUMN     "pathPrefix" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "scopes" TEXT[],
ADD COLUMN     "serverProduct" TEXT,
ADD COLUMN     "serverUrl" TEXT NOT NULL,
ADD COLUMN     "status" "ConnectionStatus" NOT NULL DEFAULT 'HEALTHY',
ADD COLUMN     "statusReason" TEXT,
ADD COLUMN     "tokenExpiresAt" TIMESTAMP(3),
ADD COLUMN     "tokenLastFour" TEXT,
ADD COLUMN     "tokenSealed" TEXT;

-- CreateTable
CREATE TABLE "ConnectDraft" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "deploymentType" "DeploymentType" NOT NULL,
    "authMethod" "AuthMethod",
    "name" TEXT,
    "serverUrl" TEXT,
    "pathPrefix" TEXT,
    "collection" TEXT,
    "caBundlePem" TEXT,
    "tokenSealed" TEXT,
    "tokenLastFour" TEXT,
    "tokenExpiresAt" TIMESTAMP(3),
    "lastCheck" JSONB,
    "lastCheckAt" TIMESTAMP(3),
    "connectionId" UUID,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConnectDraft_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ConnectDraft_organizationId_idx" ON "ConnectDraft"("organizationId");

-- CreateIndex
CREATE INDEX "ConnectDraft_expiresAt_idx" ON "ConnectDraft"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_idempotencyKey_key" ON "Connection"("idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "Connection_organizationId_nameKey_key" ON "Connection"("organizationId", "nameKey");

-- AddForeignKey
ALTER TABLE "ConnectDraft" ADD CONSTRAINT "ConnectDraft_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConnectDraft" ADD CONSTRAINT "ConnectDraft_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
