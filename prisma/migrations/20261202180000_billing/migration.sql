-- CreateTable
CREATE TABLE "ShopBilling" (
    "shop" TEXT NOT NULL PRIMARY KEY,
    "plan" TEXT NOT NULL DEFAULT 'free',
    "subscriptionId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'NONE',
    "test" BOOLEAN NOT NULL DEFAULT false,
    "activatedAt" DATETIME,
    "currentPeriodEnd" DATETIME,
    "usageLineItemId" TEXT,
    "cappedAmount" TEXT,
    "balanceUsed" TEXT,
    "currencyCode" TEXT,
    "capWarnedAt" DATETIME,
    "capReachedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL
);

