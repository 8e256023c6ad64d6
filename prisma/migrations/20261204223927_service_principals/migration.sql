-- CreateEnum
CREATE TYPE "EntraCredentialKind" AS ENUM ('CLIENT_SECRET', 'CERTIFICATE', 'FEDERATED', 'MANAGED_IDENTITY');

-- AlterEnum
ALTER TYPE "AuthMethod" ADD VALUE 'SERVICE_PRINCIPAL';

-- AlterTable
ALTER TABLE "ConnectDraft" ADD COLUMN     "entraCertificatePem" TEXT,
ADD COLUMN     "entraClientId" TEXT,
ADD COLUMN     "entraConnectionId" UUID,
ADD COLUMN     "entraCredentialKind" "EntraCredentialKind",
ADD COLUMN     "entraSecretSealed" TEXT,
ADD COLUMN     "entraTenantId" TEXT;

-- CreateTable
CREATE TABLE "ServicePrincipal" (
    "connectionId" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "kind" "EntraCredentialKind" NOT NULL,
    "tenantId" TEXT,
    "clientId" TEXT,
    "clientSecretSealed" TEXT,
    "certificatePem" TEXT,
    "certificateThumbprint" TEXT,
    "privateKeySealed" TEXT,
    "federatedSubject" TEXT,
    "objectId" TEXT,
    "accessTokenSealed" TEXT,
    "accessTokenExpiresAt" TIMESTAMP(3),
    "tokenVersion" INTEGER NOT NULL DEFAULT 0,
    "leaseId" UUID,
    "leaseUntil" TIMESTAMP(3),
    "lastFailureCode" TEXT,
    "lastFailureAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServicePrincipal_pkey" PRIMARY KEY ("connectionId")
);

-- CreateTable
CREATE TABLE "FederationSigningKey" (
    "id" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "publicJwk" JSONB NOT NULL,
    "privateKeySealed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activatesAt" TIMESTAMP(3) NOT NULL,
    "retiredAt" TIMESTAMP(3),

    CONSTRAINT "FederationSigningKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ServicePrincipal_organizationId_idx" ON "ServicePrincipal"("organizationId");

-- CreateIndex
CREATE INDEX "FederationSigningKey_activatesAt_idx" ON "FederationSigningKey"("activatesAt");

-- AddForeignKey
ALTER TABLE "ServicePrincipal" ADD CONSTRAINT "ServicePrincipal_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
