-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "commitAuthorEmail" TEXT;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "buildEmails" BOOLEAN NOT NULL DEFAULT true;
