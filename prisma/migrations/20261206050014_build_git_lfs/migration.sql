-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "fetchLfs" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "fetchLfs" BOOLEAN NOT NULL DEFAULT true;
