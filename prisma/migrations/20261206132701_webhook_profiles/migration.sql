-- AlterTable
ALTER TABLE "OutgoingWebhook" ADD COLUMN     "allProfiles" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "OutgoingWebhookProfile" (
    "webhookId" UUID NOT NULL,
    "profileId" UUID NOT NULL,
    "organizationId" UUID NOT NULL,

    CONSTRAINT "OutgoingWebhookProfile_pkey" PRIMARY KEY ("webhookId","profileId")
);

-- CreateIndex
CREATE INDEX "OutgoingWebhookProfile_profileId_idx" ON "OutgoingWebhookProfile"("profileId");

-- AddForeignKey
ALTER TABLE "OutgoingWebhookProfile" ADD CONSTRAINT "OutgoingWebhookProfile_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "OutgoingWebhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutgoingWebhookProfile" ADD CONSTRAINT "OutgoingWebhookProfile_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
