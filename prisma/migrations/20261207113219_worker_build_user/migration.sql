-- AlterTable
ALTER TABLE "WorkerHeartbeat" ADD COLUMN     "buildUser" TEXT;
