-- CreateTable
CREATE TABLE "ShopSettings" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "defaultPreset" TEXT NOT NULL DEFAULT 'amazon',
    "backgroundColor" TEXT NOT NULL DEFAULT '#ffffff',
    "writeMode" TEXT NOT NULL DEFAULT 'replace',
    "autoApprove" BOOLEAN NOT NULL DEFAULT false,
    "altText" BOOLEAN NOT NULL DEFAULT true,
    "retentionDays" INTEGER NOT NULL DEFAULT 30,
    "resultRetentionDays" INTEGER NOT NULL DEFAULT 180,
    "aiProvider" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SavedRecipe" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "recipe" TEXT NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'replace',
    "autoApprove" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ImageFacts" (
    "shop" TEXT NOT NULL,
    "mediaId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "sourceUrl" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "whiteBackground" BOOLEAN NOT NULL,
    "analyzedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("shop", "mediaId")
);

-- CreateTable
CREATE TABLE "CreditAccount" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "available" INTEGER NOT NULL DEFAULT 0,
    "held" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "CreditLedgerEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "source" TEXT NOT NULL,
    "jobId" TEXT,
    "jobItemId" TEXT,
    "description" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "expiresAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_JobItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "productTitle" TEXT NOT NULL DEFAULT '',
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
INSERT INTO "new_JobItem" ("alt", "attempts", "createdAt", "errorCode", "finishedAt", "id", "jobId", "lastError", "mediaId", "originalKey", "position", "productId", "shop", "sourceUrl", "startedAt", "status", "updatedAt") SELECT "alt", "attempts", "createdAt", "errorCode", "finishedAt", "id", "jobId", "lastError", "mediaId", "originalKey", "position", "productId", "shop", "sourceUrl", "startedAt", "status", "updatedAt" FROM "JobItem";
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
    "origin" TEXT NOT NULL DEFAULT 'recipe',
    "prompt" TEXT,
    "maskKey" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Variant_jobItemId_fkey" FOREIGN KEY ("jobItemId") REFERENCES "JobItem" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Variant" ("altText", "bytes", "createdAt", "format", "height", "id", "jobItemId", "notes", "review", "reviewedAt", "shop", "storageKey", "width") SELECT "altText", "bytes", "createdAt", "format", "height", "id", "jobItemId", "notes", "review", "reviewedAt", "shop", "storageKey", "width" FROM "Variant";
DROP TABLE "Variant";
ALTER TABLE "new_Variant" RENAME TO "Variant";
CREATE INDEX "Variant_shop_jobItemId_idx" ON "Variant"("shop", "jobItemId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "SavedRecipe_shop_name_key" ON "SavedRecipe"("shop", "name");

-- CreateIndex
CREATE INDEX "ImageFacts_shop_productId_idx" ON "ImageFacts"("shop", "productId");

-- CreateIndex
CREATE INDEX "CreditLedgerEntry_shop_createdAt_idx" ON "CreditLedgerEntry"("shop", "createdAt");

-- CreateIndex
CREATE INDEX "CreditLedgerEntry_shop_jobId_idx" ON "CreditLedgerEntry"("shop", "jobId");

-- CreateIndex
CREATE UNIQUE INDEX "CreditLedgerEntry_shop_idempotencyKey_key" ON "CreditLedgerEntry"("shop", "idempotencyKey");

