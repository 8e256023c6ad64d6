-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "pool" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "buildPool" TEXT NOT NULL DEFAULT 'default';
