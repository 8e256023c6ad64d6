-- CreateEnum
CREATE TYPE "InvitationPurpose" AS ENUM ('JOIN', 'PASSWORD_RESET');

-- DropIndex
DROP INDEX "User_email_key";

-- AlterTable
ALTER TABLE "Invitation" ADD COLUMN     "purpose" "InvitationPurpose" NOT NULL DEFAULT 'JOIN';

-- AlterTable
ALTER TABLE "User" DROP COLUMN "sessionVersion",
ADD COLUMN     "organizationId" UUID;

-- Every account belongs to the organization of its membership (Keel created each user with
-- exactly one). Sessions now live in "Session": every JWT issued before this migration
-- carries no session id and stops working, so everybody signs in once more.
UPDATE "User" u SET "organizationId" = (
  SELECT m."organizationId" FROM "Membership" m WHERE m."userId" = u."id" ORDER BY m."createdAt" ASC LIMIT 1
);

-- CreateTable
CREATE TABLE "Session" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "ip" TEXT,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboundHold" (
    "key" TEXT NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "OutboundHold_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt");

-- CreateIndex
CREATE INDEX "User_email_idx" ON "User"("email");

-- CreateIndex
CREATE UNIQUE INDEX "User_organizationId_email_key" ON "User"("organizationId", "email");

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Names are compared after NFKC folding (lib/shared/names.ts nameKey). Recompute the keys of
-- the names compatibility folding changes (only those: lower() here and in JavaScript agree on
-- them), except where the new key would equal another name's key or new key (such a pair keeps
-- its old keys, and renaming either applies the new rule). No statement here may contain a
-- semicolon inside it: the migration runner splits scripts on every semicolon.
UPDATE "Connection" c SET "nameKey" = n.key
FROM (
  SELECT "id", "organizationId", lower(normalize("name", NFKC)) AS key FROM "Connection"
  WHERE normalize("name", NFKC) <> normalize("name", NFC)
) n
WHERE c."id" = n."id"
  AND NOT EXISTS (
    SELECT 1 FROM "Connection" o
    WHERE o."organizationId" = n."organizationId" AND o."id" <> n."id" AND (o."nameKey" = n.key OR lower(normalize(o."name", NFKC)) = n.key)
  );

UPDATE "BuildProfile" p SET "nameKey" = n.key
FROM (
  SELECT "id", "organizationId", lower(normalize("name", NFKC)) AS key FROM "BuildProfile"
  WHERE normalize("name", NFKC) <> normalize("name", NFC)
) n
WHERE p."id" = n."id"
  AND NOT EXISTS (
    SELECT 1 FROM "BuildProfile" o
    WHERE o."organizationId" = n."organizationId" AND o."id" <> n."id" AND (o."nameKey" = n.key OR lower(normalize(o."name", NFKC)) = n.key)
  );
