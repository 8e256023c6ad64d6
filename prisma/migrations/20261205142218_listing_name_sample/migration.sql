-- AlterTable
ALTER TABLE "RepositoryListing" ADD COLUMN     "nameSample" JSONB;
