-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "skipCaches" BOOLEAN NOT NULL DEFAULT false;
