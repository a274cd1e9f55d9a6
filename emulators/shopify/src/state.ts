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
  /** When an UPLOADED file is picked up for processing (ISO time); see views.settle. */
  processingStartsAt?: string | null;
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
  /** The signed POST policy (base64) and the signature issued with the target. */
  policy?: string;
  signature?: string;
  /** The size the client declared (`fileSize`), if any. */
  declaredSize?: number | null;
  /** The size of what was uploaded, and when (null until the upload). */
  byteSize?: number | null;
  uploadedAt?: string | null;
}

/** An asynchronous Admin API job (`Job`), e.g. productReorderMedia's. */
export interface JobRecord {
  /** The uuid in gid://shopify/Job/<uuid>. */
  id: string;
  kind: "productReorderMedia";
  productId: number;
  moves: Array<{ mediaId: number; newPosition: number }>;
  createdAt: string;
  /** When the job's work is applied (ISO time). */
  dueAt: string;
  done: boolean;
}

export interface InstallationRecord {
  clientId: string;
  scopes: string;
  installedAt: string;
  uninstalledAt: string | null;
  /** The AppInstallation's number in its gid, given when the app first reads its installation. */
  id?: number;
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
  status: "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";
  errorCode: string | null;
  objectCount: number;
  rootObjectCount: number;
  resultBlobKey: string | null;
  fileSize: number | null;
  createdAt: string;
  completedAt: string | null;
  type?: "QUERY" | "MUTATION";
  groupObjects?: boolean;
  /** Unguessable part of the result URL, as Shopify's signed storage URLs are. */
  resultToken?: string | null;
  /** What a failed operation had written before it failed (`partialDataUrl`). */
  partialBlobKey?: string | null;
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
  /** A recurring line item's discount for a number of billing intervals (null: none). */
  discount?: SubscriptionDiscountRecord | null;
  /** A raised capped amount the merchant has not approved yet, and its confirmation token. */
  pendingCappedAmount?: string | null;
  pendingCapToken?: string | null;
}

export interface SubscriptionDiscountRecord {
  amount: string | null;
  percentage: number | null;
  durationLimitInIntervals: number | null;
  remainingDurationInIntervals: number | null;
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
  replacementBehavior?: "APPLY_IMMEDIATELY" | "APPLY_ON_NEXT_BILLING_CYCLE" | "STANDARD";
  /** Signs the confirmation URL, so only the URL Shopify handed out approves the charge. */
  confirmationToken?: string;
  updatedAt?: string;
  activatedAt?: string | null;
  /** Approved, waiting for the subscription it replaces to finish its billing cycle. */
  approvedAt?: string | null;
  replacesId?: number | null;
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
  confirmationToken?: string;
  updatedAt?: string;
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
  /** Asynchronous jobs (absent in state written before jobs existed). */
  jobs?: JobRecord[];
}

export interface DevStoreState {
  version: 1;
  nextId: number;
  shops: Record<string, ShopRecord>;
  accessTokens: Record<string, AccessTokenRecord>;
  stagedUploads: Record<string, StagedUploadRecord>;
  /** How far the dev store's clock runs ahead of real time (advanced by tests and the demo). */
  clockOffsetMs?: number;
  /** Webhooks Shopify sends later on its own (shop/redact 48 hours after an uninstall). */
  scheduledEvents?: ScheduledEventRecord[];
}

export interface ScheduledEventRecord {
  kind: "shop/redact";
  shop: string;
  clientId: string;
  dueAt: string;
  /** The uninstall that scheduled it: a reinstall in between makes the event moot. */
  uninstalledAt: string;
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
