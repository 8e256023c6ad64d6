-- AlterTable
ALTER TABLE "Organization" ADD COLUMN     "outboundAllowlist" TEXT[] DEFAULT ARRAY[]::TEXT[];
