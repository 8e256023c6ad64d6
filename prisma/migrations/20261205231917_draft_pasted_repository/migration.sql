-- AlterTable
ALTER TABLE "ConnectDraft" ADD COLUMN     "pastedRepository" TEXT;
