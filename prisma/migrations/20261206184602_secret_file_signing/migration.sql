-- AlterTable
ALTER TABLE "BuildSecretFile" ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "signing" JSONB;

-- CreateIndex
CREATE INDEX "BuildSecretFile_expiresAt_idx" ON "BuildSecretFile"("expiresAt");
