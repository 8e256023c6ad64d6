-- AlterEnum
ALTER TYPE "BuildTrigger" ADD VALUE 'AFTER_BUILD';

-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "upstreamBuildId" UUID;

-- CreateIndex
CREATE INDEX "Build_upstreamBuildId_idx" ON "Build"("upstreamBuildId");

-- AddForeignKey
ALTER TABLE "Build" ADD CONSTRAINT "Build_upstreamBuildId_fkey" FOREIGN KEY ("upstreamBuildId") REFERENCES "Build"("id") ON DELETE SET NULL ON UPDATE CASCADE;
