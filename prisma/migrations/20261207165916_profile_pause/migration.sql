-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "pauseReason" TEXT,
ADD COLUMN     "pausedAt" TIMESTAMP(3),
ADD COLUMN     "pausedById" UUID;

-- AddForeignKey
ALTER TABLE "BuildProfile" ADD CONSTRAINT "BuildProfile_pausedById_fkey" FOREIGN KEY ("pausedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
