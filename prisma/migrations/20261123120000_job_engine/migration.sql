-- CreateTable
CREATE TABLE "PredictionLedgerEntry" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "model" TEXT,
    "fingerprint" TEXT,
    "predictionId" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ProductWriteLock" (
    "shop" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("shop", "productId")
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Job" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "recipe" TEXT NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'replace',
    "autoApprove" BOOLEAN NOT NULL DEFAULT false,
    "selection" TEXT NOT NULL DEFAULT '{}',
    "intake" TEXT NOT NULL DEFAULT 'pending',
    "intakeError" TEXT,
    "skipped" TEXT NOT NULL DEFAULT '[]',
    "status" TEXT NOT NULL DEFAULT 'queued',
    "itemCount" INTEGER NOT NULL DEFAULT 0,
    "doneCount" INTEGER NOT NULL DEFAULT 0,
    "writtenCount" INTEGER NOT NULL DEFAULT 0,
    "failedCount" INTEGER NOT NULL DEFAULT 0,
    "canceledCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "canceledAt" DATETIME
);
INSERT INTO "new_Job" ("canceledCount", "createdAt", "doneCount", "failedCount", "id", "itemCount", "recipe", "shop", "status", "updatedAt", "writtenCount") SELECT "canceledCount", "createdAt", "doneCount", "failedCount", "id", "itemCount", "recipe", "shop", "status", "updatedAt", "writtenCount" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_shop_createdAt_idx" ON "Job"("shop", "createdAt");
CREATE TABLE "new_JobItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "mediaId" TEXT NOT NULL,
    "sourceUrl" TEXT NOT NULL DEFAULT '',
    "alt" TEXT,
    "position" INTEGER NOT NULL DEFAULT 0,
    "originalKey" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "errorCode" TEXT,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    CONSTRAINT "JobItem_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_JobItem" ("attempts", "createdAt", "finishedAt", "id", "jobId", "lastError", "mediaId", "productId", "shop", "startedAt", "status", "updatedAt") SELECT "attempts", "createdAt", "finishedAt", "id", "jobId", "lastError", "mediaId", "productId", "shop", "startedAt", "status", "updatedAt" FROM "JobItem";
DROP TABLE "JobItem";
ALTER TABLE "new_JobItem" RENAME TO "JobItem";
CREATE INDEX "JobItem_shop_jobId_status_idx" ON "JobItem"("shop", "jobId", "status");
CREATE UNIQUE INDEX "JobItem_jobId_mediaId_key" ON "JobItem"("jobId", "mediaId");
CREATE TABLE "new_Variant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "jobItemId" TEXT NOT NULL,
    "storageKey" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "format" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL DEFAULT 0,
    "altText" TEXT,
    "notes" TEXT NOT NULL DEFAULT '[]',
    "review" TEXT NOT NULL DEFAULT 'pending',
    "reviewedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Variant_jobItemId_fkey" FOREIGN KEY ("jobItemId") REFERENCES "JobItem" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Variant" ("createdAt", "format", "height", "id", "jobItemId", "review", "reviewedAt", "shop", "storageKey", "width") SELECT "createdAt", "format", "height", "id", "jobItemId", "review", "reviewedAt", "shop", "storageKey", "width" FROM "Variant";
DROP TABLE "Variant";
ALTER TABLE "new_Variant" RENAME TO "Variant";
CREATE INDEX "Variant_shop_jobItemId_idx" ON "Variant"("shop", "jobItemId");
CREATE TABLE "new_WriteBack" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "jobItemId" TEXT NOT NULL,
    "variantId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "originalMediaId" TEXT NOT NULL,
    "newMediaId" TEXT,
    "mode" TEXT NOT NULL,
    "method" TEXT,
    "progress" TEXT NOT NULL DEFAULT '{}',
    "state" TEXT NOT NULL DEFAULT 'pending',
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "writtenAt" DATETIME,
    "restoredAt" DATETIME,
    CONSTRAINT "WriteBack_jobItemId_fkey" FOREIGN KEY ("jobItemId") REFERENCES "JobItem" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_WriteBack" ("createdAt", "id", "jobItemId", "lastError", "mode", "newMediaId", "originalMediaId", "productId", "restoredAt", "shop", "state", "updatedAt", "variantId", "writtenAt") SELECT "createdAt", "id", "jobItemId", "lastError", "mode", "newMediaId", "originalMediaId", "productId", "restoredAt", "shop", "state", "updatedAt", "variantId", "writtenAt" FROM "WriteBack";
DROP TABLE "WriteBack";
ALTER TABLE "new_WriteBack" RENAME TO "WriteBack";
CREATE INDEX "WriteBack_shop_jobItemId_idx" ON "WriteBack"("shop", "jobItemId");
CREATE INDEX "WriteBack_shop_productId_idx" ON "WriteBack"("shop", "productId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "PredictionLedgerEntry_shop_idx" ON "PredictionLedgerEntry"("shop");

-- CreateIndex
CREATE INDEX "PredictionLedgerEntry_updatedAt_idx" ON "PredictionLedgerEntry"("updatedAt");

