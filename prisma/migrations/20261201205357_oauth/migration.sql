-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "displayName" TEXT,
ADD COLUMN     "refreshFailedAt" TIMESTAMP(3),
ADD COLUMN     "refreshFailure" TEXT,
ADD COLUMN     "refreshLeaseId" UUID,
ADD COLUMN     "refreshLeaseUntil" TIMESTAMP(3),
ADD COLUMN     "tokenVersion" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "uniqueName" TEXT;

-- AlterTable
ALTER TABLE "ConnectDraft" ADD COLUMN     "oauthAccountId" UUID,
ADD COLUMN     "oauthOrganizations" JSONB,
ADD COLUMN     "oauthOrganizationsAt" TIMESTAMP(3),
ADD COLUMN     "oauthProvider" TEXT;

-- AlterTable
ALTER TABLE "Connection" ADD COLUMN     "accountId" UUID,
ADD COLUMN     "oauthProvider" TEXT;

-- CreateIndex
CREATE INDEX "Connection_accountId_idx" ON "Connection"("accountId");

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConnectDraft" ADD CONSTRAINT "ConnectDraft_oauthAccountId_fkey" FOREIGN KEY ("oauthAccountId") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;
