-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "badgeKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "BuildProfile_badgeKey_key" ON "BuildProfile"("badgeKey");
