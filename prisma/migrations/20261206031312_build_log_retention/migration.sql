-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "logDeletedAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Build_logDeletedAt_finishedAt_idx" ON "Build"("logDeletedAt", "finishedAt");
