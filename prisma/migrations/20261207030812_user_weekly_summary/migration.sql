-- AlterTable
ALTER TABLE "User" ADD COLUMN     "weeklySummary" BOOLEAN NOT NULL DEFAULT false;
