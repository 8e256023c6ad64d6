-- AlterTable
ALTER TABLE "WorkerHeartbeat" ADD COLUMN     "drainingSince" TIMESTAMP(3);
