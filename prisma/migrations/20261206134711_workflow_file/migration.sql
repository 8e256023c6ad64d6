-- AlterTable
ALTER TABLE "Build" ADD COLUMN     "workflowFile" TEXT;

-- AlterTable
ALTER TABLE "BuildProfile" ADD COLUMN     "workflowFile" TEXT;
