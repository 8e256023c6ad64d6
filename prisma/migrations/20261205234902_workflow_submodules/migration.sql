-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "fetchSubmodules" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "fetchSubmodules" BOOLEAN NOT NULL DEFAULT true;
