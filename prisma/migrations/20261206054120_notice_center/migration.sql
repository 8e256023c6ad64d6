-- AlterTable
ALTER TABLE "User" ADD COLUMN     "noticesSeenAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Notification_recipientIds_idx" ON "Notification" USING GIN ("recipientIds");
