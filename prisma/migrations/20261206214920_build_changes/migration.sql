-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "changes" JSONB;
