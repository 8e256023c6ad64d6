-- AlterEnum
ALTER TYPE "BuildTrigger" ADD VALUE 'SCHEDULE';

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "scheduleLastOutcome" TEXT,
ADD COLUMN     "scheduleLastSlotAt" TIMESTAMP(3);
