/**
 * The storage backends every storage test runs against: local disk in a temporary folder, and S3
 * on a real S3-compatible server (s3rver) with a fresh prefix in its bucket per test.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

import { createLocalDiskStorage } from "~/storage/local-disk.server";
import type { ObjectStorage } from "~/storage/object-storage.server";
import { createS3Storage } from "~/storage/s3-storage.server";

import { startS3Server } from "../support/s3-server";

export interface OpenedStorage {
  storage: ObjectStorage;
  /**
   * Everything this storage's backend holds, its own bookkeeping included (local disk: every
   * file and folder in a temporary folder around its root; S3: every key in its own bucket,
   * outside its prefix too): to show what a call wrote or left behind.
   */
  footprint(): Promise<string[]>;
}

export interface BackendSession {
  /** A new, empty storage, with nothing else around it. */
  open(): Promise<OpenedStorage>;
  close(): Promise<void>;
}

export interface StorageBackend {
  name: string;
  /** Starts what the backend needs, once per test file. */
  start(): Promise<BackendSession>;
}

/** Every file and folder under `dir`, relative, dot-files included. */
export function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

export const localDisk: StorageBackend = {
  name: "local disk",
  async start() {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "photo-studio-storage-"));
    let opened = 0;
    return {
      async open() {
        const around = path.join(parent, `test-${(opened += 1)}`);
        fs.mkdirSync(around);
        return {
          storage: createLocalDiskStorage(path.join(around, "storage")),
          footprint: async () => tree(around),
        };
      },
      async close() {
        fs.rmSync(parent, { recursive: true, force: true });
      },
    };
  },
};

export const s3: StorageBackend = {
  name: "S3 (s3rver)",
  async start() {
    const server = await startS3Server();
    const raw = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials: { ...server.credentials },
    });
    let opened = 0;
    return {
      async open() {
        const bucket = `${server.bucket}-${(opened += 1)}`;
        await raw.send(new CreateBucketCommand({ Bucket: bucket }));
        return {
          // A prefix inside the bucket, as deployments sharing a bucket use.
          storage: createS3Storage({ ...server.config("photo-studio/"), bucket }),
          async footprint() {
            const keys: string[] = [];
            let token: string | undefined;
            do {
              const page = await raw.send(
                new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
              );
              keys.push(...(page.Contents ?? []).map((entry) => entry.Key!));
              token = page.NextContinuationToken;
            } while (token);
            return keys.sort();
          },
        };
      },
      async close() {
        raw.destroy();
        await server.close();
      },
    };
  },
};

export const STORAGE_BACKENDS = [localDisk, s3];
