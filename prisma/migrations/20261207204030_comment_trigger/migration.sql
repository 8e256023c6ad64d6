-- AlterEnum
ALTER TYPE "BuildTrigger" ADD VALUE 'COMMENT';
