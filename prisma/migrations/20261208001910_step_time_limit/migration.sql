-- AlterTable
ALTER TABLE "BuildStep" ADD COLUMN     "timeoutMinutes" INTEGER;
