-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "secretsWithheld" BOOLEAN NOT NULL DEFAULT false;
