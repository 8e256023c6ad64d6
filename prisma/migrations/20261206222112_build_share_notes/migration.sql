-- AlterTable
ALTER TABLE "BuildShare" ADD COLUMN     "notes" TEXT;
