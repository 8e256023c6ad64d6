-- AlterTable
ALTER TABLE "BuildStep" ADD COLUMN     "always" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "continueOnError" BOOLEAN NOT NULL DEFAULT false;
