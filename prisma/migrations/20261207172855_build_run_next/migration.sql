-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "runNextAt" TIMESTAMP(3);
