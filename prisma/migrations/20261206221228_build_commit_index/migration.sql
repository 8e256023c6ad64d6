-- CreateIndex
CREATE INDEX "Build_organizationId_commitId_idx" ON "Build"("organizationId", "commitId");
