-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "parameters" JSONB;
