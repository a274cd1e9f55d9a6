/**
 * The dev store's data: shops, their installations, catalog, files and billing, as one
 * JSON-serialisable object. Persisted to `<dataDir>/state.json` (uploaded bytes live beside it in
 * `<dataDir>/blobs/`), so a restarted demo finds the store as it left it.
 */
import fs from "node:fs";
import path from "node:path";

export type ShopPlan = "Development" | "Basic" | "Shopify" | "Advanced" | "Plus";
export type ProductStatus = "ACTIVE" | "DRAFT" | "ARCHIVED";
export type FileStatus = "UPLOADED" | "PROCESSING" | "READY" | "FAILED";

export interface VariantRecord {
  id: number;
  title: string;
  price: string;
  sku: string | null;
  position: number;
  /** MediaImage ids attached to this variant (Shopify allows one image per variant today). */
  mediaIds: number[];
}

export interface ProductRecord {
  id: number;
  title: string;
  handle: string;
  descriptionHtml: string;
  productType: string;
  vendor: string;
  status: ProductStatus;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  /** Ordered MediaImage ids: the product's media gallery. */
  mediaIds: number[];
  variants: VariantRecord[];
}

/** A file in the store's Files section; a MediaImage when it is an image, as in Shopify. */
export interface FileRecord {
  id: number;
  kind: "MediaImage" | "GenericFile";
  filename: string;
  alt: string;
  mimeType: string;
  /** Key of the bytes under blobs/; null while a staged upload has not been turned into a file. */
  blobKey: string | null;
  byteSize: number;
  width: number | null;
  height: number | null;
  status: FileStatus;
  /** When processing finishes (ISO time); status is derived lazily from it. */
  readyAt: string | null;
  errors: Array<{ code: string; message: string; details?: string }>;
  /** Products that reference this file (the product's media). */
  productIds: number[];
  /** Bumped whenever fileUpdate replaces the bytes: the CDN URL's ?v= cache buster. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface StagedUploadRecord {
  /** Random key that is the upload target's path, as Shopify's signed targets are unguessable. */
  key: string;
  shop: string;
  filename: string;
  mimeType: string;
  resource: string;
  httpMethod: "POST" | "PUT";
  maxBytes: number;
  blobKey: string | null;
  createdAt: string;
  expiresAt: string;
}

export interface InstallationRecord {
  clientId: string;
  scopes: string;
  installedAt: string;
  uninstalledAt: string | null;
}

export interface AccessTokenRecord {
  token: string;
  shop: string;
  clientId: string;
  scopes: string;
  /** null for offline tokens; the associated user's id for online ones. */
  userId: number | null;
  expiresAt: string | null;
}

export interface BulkOperationRecord {
  id: number;
  clientId: string;
  query: string;
  status: "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED";
  errorCode: string | null;
  objectCount: number;
  rootObjectCount: number;
  resultBlobKey: string | null;
  fileSize: number | null;
  createdAt: string;
  completedAt: string | null;
}

export interface SubscriptionLineItemRecord {
  id: number;
  kind: "recurring" | "usage";
  amount: string;
  currencyCode: string;
  interval: "EVERY_30_DAYS" | "ANNUAL";
  cappedAmount: string | null;
  balanceUsed: string;
  terms: string | null;
}

export interface SubscriptionRecord {
  id: number;
  clientId: string;
  name: string;
  status: "PENDING" | "ACTIVE" | "DECLINED" | "CANCELLED" | "EXPIRED" | "FROZEN";
  test: boolean;
  trialDays: number;
  returnUrl: string;
  lineItems: SubscriptionLineItemRecord[];
  createdAt: string;
  currentPeriodEnd: string | null;
}

export interface OneTimePurchaseRecord {
  id: number;
  clientId: string;
  name: string;
  price: string;
  currencyCode: string;
  status: "PENDING" | "ACTIVE" | "DECLINED" | "EXPIRED";
  test: boolean;
  returnUrl: string;
  createdAt: string;
}

export interface UsageRecordRecord {
  id: number;
  clientId: string;
  lineItemId: number;
  description: string;
  price: string;
  currencyCode: string;
  idempotencyKey: string | null;
  createdAt: string;
}

export interface ShopRecord {
  domain: string;
  name: string;
  email: string;
  plan: ShopPlan;
  currencyCode: string;
  ianaTimezone: string;
  createdAt: string;
  installations: Record<string, InstallationRecord>;
  products: ProductRecord[];
  files: FileRecord[];
  bulkOperations: BulkOperationRecord[];
  subscriptions: SubscriptionRecord[];
  oneTimePurchases: OneTimePurchaseRecord[];
  usageRecords: UsageRecordRecord[];
}

export interface DevStoreState {
  version: 1;
  nextId: number;
  shops: Record<string, ShopRecord>;
  accessTokens: Record<string, AccessTokenRecord>;
  stagedUploads: Record<string, StagedUploadRecord>;
}

export function emptyState(): DevStoreState {
  return { version: 1, nextId: 1001, shops: {}, accessTokens: {}, stagedUploads: {} };
}

/** Owns the state object, its ids, the blob files and writing it all back to disk. */
export class StateStore {
  readonly dataDir: string | null;
  state: DevStoreState;
  private pendingWrite: NodeJS.Timeout | null = null;

  constructor(dataDir: string | null) {
    this.dataDir = dataDir;
    this.state = emptyState();
    if (dataDir) {
      fs.mkdirSync(path.join(dataDir, "blobs"), { recursive: true });
      const file = path.join(dataDir, "state.json");
      if (fs.existsSync(file))
        this.state = JSON.parse(fs.readFileSync(file, "utf8")) as DevStoreState;
    }
  }

  nextId(): number {
    const id = this.state.nextId;
    this.state.nextId += 1;
    this.changed();
    return id;
  }

  shop(domain: string): ShopRecord | undefined {
    return this.state.shops[domain];
  }

  /** Marks the state dirty; it is written shortly after, once per burst of changes. */
  changed() {
    if (!this.dataDir || this.pendingWrite) return;
    this.pendingWrite = setTimeout(() => this.flush(), 50);
    this.pendingWrite.unref();
  }

  flush() {
    if (this.pendingWrite) clearTimeout(this.pendingWrite);
    this.pendingWrite = null;
    if (!this.dataDir) return;
    const file = path.join(this.dataDir, "state.json");
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(this.state));
    fs.renameSync(`${file}.tmp`, file);
  }

  // Blobs are kept in memory when there is no data directory (tests), on disk otherwise.
  private memoryBlobs = new Map<string, Buffer>();

  writeBlob(key: string, bytes: Buffer) {
    if (this.dataDir) fs.writeFileSync(path.join(this.dataDir, "blobs", key), bytes);
    else this.memoryBlobs.set(key, bytes);
  }

  readBlob(key: string): Buffer | null {
    if (!this.dataDir) return this.memoryBlobs.get(key) ?? null;
    const file = path.join(this.dataDir, "blobs", key);
    return fs.existsSync(file) ? fs.readFileSync(file) : null;
  }

  deleteBlob(key: string) {
    if (this.dataDir) fs.rmSync(path.join(this.dataDir, "blobs", key), { force: true });
    else this.memoryBlobs.delete(key);
  }
}

export const nowIso = () => new Date().toISOString();
