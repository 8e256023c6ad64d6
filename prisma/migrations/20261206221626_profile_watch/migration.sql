-- CreateTable
CREATE TABLE "ProfileWatch" (
    "profileId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProfileWatch_pkey" PRIMARY KEY ("profileId","userId")
);

-- CreateIndex
CREATE INDEX "ProfileWatch_userId_idx" ON "ProfileWatch"("userId");

-- AddForeignKey
ALTER TABLE "ProfileWatch" ADD CONSTRAINT "ProfileWatch_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BuildProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProfileWatch" ADD CONSTRAINT "ProfileWatch_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
