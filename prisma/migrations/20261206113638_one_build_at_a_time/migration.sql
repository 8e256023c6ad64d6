-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "oneAtATime" BOOLEAN NOT NULL DEFAULT false;
