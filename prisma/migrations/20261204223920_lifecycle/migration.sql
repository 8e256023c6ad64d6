-- CreateEnum
CREATE TYPE "CredentialExpirySource" AS ENUM ('ENTERED', 'AZURE_DEVOPS');

-- AlterEnum: the statuses of issue 12. Old rows are mapped, not cast (WARNING and FAILING are gone):
--   WARNING -> HEALTHY (it worked, the warnings stay in lastCheckResult),
--   FAILING -> by the first error finding of the last check (or the reason Keel stored when
--   ordinary use was refused): expired token -> EXPIRED, TLS -> CERTIFICATE_PROBLEM, a refused
--   credential -> NEEDS_REAUTH, anything else (network, server, not found) -> UNREACHABLE.
-- The next scheduled check recomputes every status anyway (EXPIRING needs the expiry date).
ALTER TABLE "Connection" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "Connection" ALTER COLUMN "status" TYPE TEXT USING ("status"::text);
UPDATE "Connection" AS c SET "status" = CASE
  WHEN c."status" IN ('HEALTHY', 'WARNING') THEN 'HEALTHY'
  WHEN c."status" IN ('NEEDS_REAUTH', 'CREDENTIALS_MISSING', 'CREDENTIALS_UNREADABLE') THEN c."status"
  ELSE (
    SELECT CASE
      WHEN first_error = 'token_expired' OR (first_error IS NULL AND c."statusReason" ILIKE '%expired%') THEN 'EXPIRED'
      WHEN first_error LIKE 'tls\_%' THEN 'CERTIFICATE_PROBLEM'
      WHEN first_error IN ('token_invalid', 'token_wrong_organization', 'sign_in_page', 'missing_scope', 'oauth_policy_disabled', 'oauth_reauthorization_needed', 'credentials_unusable') THEN 'NEEDS_REAUTH'
      WHEN first_error IS NULL AND c."statusReason" ~* '(token|authoriz|scope|sign-in|sign in)' THEN 'NEEDS_REAUTH'
      ELSE 'UNREACHABLE'
    END
    FROM (
      SELECT (
        SELECT finding->>'id'
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(c."lastCheckResult"->'findings') = 'array' THEN c."lastCheckResult"->'findings' ELSE '[]'::jsonb END) AS finding
        WHERE finding->>'severity' = 'error'
        LIMIT 1
      ) AS first_error
    ) AS last_check
  )
END;
DROP TYPE "ConnectionStatus";
CREATE TYPE "ConnectionStatus" AS ENUM ('HEALTHY', 'EXPIRING', 'EXPIRED', 'NEEDS_REAUTH', 'UNREACHABLE', 'CERTIFICATE_PROBLEM', 'CREDENTIALS_UNREADABLE', 'CREDENTIALS_MISSING');
ALTER TABLE "Connection" ALTER COLUMN "status" TYPE "ConnectionStatus" USING ("status"::"ConnectionStatus");
ALTER TABLE "Connection" ALTER COLUMN "status" SET DEFAULT 'HEALTHY';

-- DropIndex
DROP INDEX "AuditEvent_organizationId_createdAt_idx";

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "disconnectedAt" TIMESTAMP(3),
ADD COLUMN     "disconnectedConnectionName" TEXT,
ALTER COLUMN "connectionId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "credentialExpiresAt" TIMESTAMP(3),
ADD COLUMN     "credentialExpirySource" "CredentialExpirySource",
ADD COLUMN     "credentialUserId" UUID;

-- Backfill: the expiry the status model reads is the one admins entered so far, and the
-- credential belongs to the identity's user (OAuth) or, as best known, the owner (PAT).
UPDATE "Connection" SET "credentialExpiresAt" = "tokenExpiresAt", "credentialExpirySource" = 'ENTERED' WHERE "tokenExpiresAt" IS NOT NULL;
UPDATE "Connection" AS c SET "credentialUserId" = a."userId" FROM "Account" AS a WHERE c."authMethod" = 'OAUTH' AND c."accountId" = a.id;
UPDATE "Connection" SET "credentialUserId" = "ownerId" WHERE "authMethod" = 'PAT';

-- CreateTable
CREATE TABLE "Notification" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "connectionId" UUID,
    "kind" TEXT NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "recipientIds" UUID[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "emailedAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Notification_dedupeKey_key" ON "Notification"("dedupeKey");

-- CreateIndex
CREATE INDEX "Notification_organizationId_createdAt_idx" ON "Notification"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "Notification_emailedAt_createdAt_idx" ON "Notification"("emailedAt", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_organizationId_createdAt_id_idx" ON "AuditEvent"("organizationId", "createdAt" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_credentialUserId_fkey" FOREIGN KEY ("credentialUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE SET NULL ON UPDATE CASCADE;
