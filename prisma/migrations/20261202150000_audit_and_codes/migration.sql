-- AlterTable
ALTER TABLE "Job" ADD COLUMN "intakeErrorCode" TEXT;

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "actor" TEXT NOT NULL DEFAULT 'merchant',
    "subjectType" TEXT,
    "subjectId" TEXT,
    "details" TEXT NOT NULL DEFAULT '{}',
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_SavedRecipe" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "recipe" TEXT NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'replace',
    "position" TEXT NOT NULL DEFAULT 'after-original',
    "autoApprove" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_SavedRecipe" ("autoApprove", "createdAt", "id", "mode", "name", "recipe", "shop", "updatedAt") SELECT "autoApprove", "createdAt", "id", "mode", "name", "recipe", "shop", "updatedAt" FROM "SavedRecipe";
DROP TABLE "SavedRecipe";
ALTER TABLE "new_SavedRecipe" RENAME TO "SavedRecipe";
CREATE UNIQUE INDEX "SavedRecipe_shop_name_key" ON "SavedRecipe"("shop", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "AuditEvent_shop_at_idx" ON "AuditEvent"("shop", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_at_idx" ON "AuditEvent"("at");

