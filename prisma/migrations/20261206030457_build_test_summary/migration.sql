-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "testSummary" JSONB;
