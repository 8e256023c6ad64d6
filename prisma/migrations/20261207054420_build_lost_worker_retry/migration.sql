-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "retryOfId" UUID,
ADD COLUMN     "workerLostAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "retryLostBuilds" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "Build_retryOfId_key" ON "Build"("retryOfId");

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_retryOfId_fkey" FOREIGN KEY ("retryOfId") REFERENCES "Build"("id") ON DELETE SET NULL ON UPDATE CASCADE;
