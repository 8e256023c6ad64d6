-- AlterTable
ALTER TABLE "ProfileWatch" ADD COLUMN     "everyBuild" BOOLEAN NOT NULL DEFAULT false;
