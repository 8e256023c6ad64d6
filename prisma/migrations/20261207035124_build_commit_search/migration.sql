-- CreateIndex
CREATE INDEX "Build_commitMessage_idx" ON "Build" USING GIN ("commitMessage" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Build_commitAuthor_idx" ON "Build" USING GIN ("commitAuthor" gin_trgm_ops);
