-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "autoProcess" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "autoProcessRecipeId" TEXT,
ADD COLUMN     "autoProcessSince" TIMESTAMP(3),
ADD COLUMN     "notifyEmail" TEXT,
ADD COLUMN     "notifyWebhookUrl" TEXT;

-- CreateTable
CREATE TABLE "AutomationEvent" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "eventId" TEXT,
    "topic" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "productUpdatedAt" TIMESTAMP(3),
    "outcome" TEXT NOT NULL DEFAULT 'queued',
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AutomationEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutoProcessedMedia" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "mediaId" TEXT NOT NULL,
    "claimKey" TEXT NOT NULL,
    "jobId" TEXT,
    "claimedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AutoProcessedMedia_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Notification" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seenAt" TIMESTAMP(3),
    "queuedAt" TIMESTAMP(3),
    "sendingUntil" TIMESTAMP(3),
    "emailSentAt" TIMESTAMP(3),
    "webhookSentAt" TIMESTAMP(3),

    CONSTRAINT "Notification_pkey" PRIMARY KEY ("id")
);

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

