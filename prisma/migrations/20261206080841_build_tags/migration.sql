-- AlterEnum
ALTER TYPE "BuildTrigger" ADD VALUE 'TAG';

-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "tag" TEXT;
