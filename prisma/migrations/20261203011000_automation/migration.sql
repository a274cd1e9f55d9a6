-- CreateTable
CREATE TABLE "AutomationEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "eventId" TEXT,
    "topic" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "productUpdatedAt" DATETIME,
    "outcome" TEXT NOT NULL DEFAULT 'queued',
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "AutoProcessedMedia" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "mediaId" TEXT NOT NULL,
    "claimKey" TEXT NOT NULL,
    "jobId" TEXT,
    "claimedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seenAt" DATETIME,
    "queuedAt" DATETIME,
    "sendingUntil" DATETIME,
    "emailSentAt" DATETIME,
    "webhookSentAt" DATETIME
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ShopSettings" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "defaultPreset" TEXT NOT NULL DEFAULT 'amazon',
    "backgroundColor" TEXT NOT NULL DEFAULT '#ffffff',
    "writeMode" TEXT NOT NULL DEFAULT 'replace',
    "autoApprove" BOOLEAN NOT NULL DEFAULT false,
    "altText" BOOLEAN NOT NULL DEFAULT true,
    "retentionDays" INTEGER NOT NULL DEFAULT 30,
    "resultRetentionDays" INTEGER NOT NULL DEFAULT 180,
    "aiProvider" TEXT,
    "autoProcess" BOOLEAN NOT NULL DEFAULT false,
    "autoProcessRecipeId" TEXT,
    "autoProcessSince" DATETIME,
    "notifyEmail" TEXT,
    "notifyWebhookUrl" TEXT,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_ShopSettings" ("aiProvider", "altText", "autoApprove", "backgroundColor", "defaultPreset", "resultRetentionDays", "retentionDays", "shop", "updatedAt", "writeMode") SELECT "aiProvider", "altText", "autoApprove", "backgroundColor", "defaultPreset", "resultRetentionDays", "retentionDays", "shop", "updatedAt", "writeMode" FROM "ShopSettings";
DROP TABLE "ShopSettings";
ALTER TABLE "new_ShopSettings" RENAME TO "ShopSettings";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "AutomationEvent_shop_productId_productUpdatedAt_idx" ON "AutomationEvent"("shop", "productId", "productUpdatedAt");

-- CreateIndex
CREATE INDEX "AutomationEvent_receivedAt_idx" ON "AutomationEvent"("receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "AutomationEvent_shop_webhookId_key" ON "AutomationEvent"("shop", "webhookId");

-- CreateIndex
CREATE UNIQUE INDEX "AutomationEvent_shop_eventId_key" ON "AutomationEvent"("shop", "eventId");

-- CreateIndex
CREATE INDEX "AutoProcessedMedia_shop_productId_idx" ON "AutoProcessedMedia"("shop", "productId");

-- CreateIndex
CREATE INDEX "AutoProcessedMedia_shop_jobId_idx" ON "AutoProcessedMedia"("shop", "jobId");

-- CreateIndex
CREATE UNIQUE INDEX "AutoProcessedMedia_shop_mediaId_key" ON "AutoProcessedMedia"("shop", "mediaId");

-- CreateIndex
CREATE INDEX "Notification_shop_seenAt_idx" ON "Notification"("shop", "seenAt");

-- CreateIndex
CREATE INDEX "Notification_queuedAt_idx" ON "Notification"("queuedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_shop_jobId_kind_key" ON "Notification"("shop", "jobId", "kind");

