-- AlterTable
ALTER TABLE "BuildArtifact" ADD COLUMN     "app" JSONB;
