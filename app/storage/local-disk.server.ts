/**
 * Object storage on the local disk: the embedded default, for one server. A key is a path under
 * the root (keys.ts allows nothing that could leave it); folders are created 0700 and files 0600,
 * so only the app's own user can read them, and nothing under the root is ever served as is.
 *
 * Writes are atomic: the bytes go to a temporary file in the target's folder, are flushed to the
 * disk (fsync), and the file is renamed over the target, which POSIX makes atomic; the folder is
 * then flushed so the rename itself survives a power cut. The media type is kept beside the
 * object in a small `.<name>.type` file. Names starting with a dot are the storage's own (keys
 * cannot start a segment with one), so temporary files and types never show up as objects.
 */
import { randomUUID } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";

import { StorageError, StorageNotFoundError, storageFailure } from "./errors.ts";
import {
  assertValidKey,
  assertValidPrefix,
  DEFAULT_MEDIA_TYPE,
  normalisedMediaType,
} from "./keys.ts";
import type { ObjectInfo, ObjectStorage, PutOptions } from "./object-storage.server.ts";

const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;
/** Where deletePrefix moves a folder before removing it, so the prefix empties in one step. */
const TRASH = ".trash";

const errnoCode = (error: unknown) => (error as NodeJS.ErrnoException | null)?.code;
/** The path (or a folder on it) does not exist, or a file stands where a folder would be. */
const isMissing = (error: unknown) => ["ENOENT", "ENOTDIR"].includes(errnoCode(error) ?? "");

export function createLocalDiskStorage(rootDir: string): ObjectStorage {
  const root = path.resolve(rootDir);

  function pathOf(key: string): string {
    assertValidKey(key);
    const full = path.join(root, ...key.split("/"));
    // keys.ts already refuses anything that could climb out; this states the invariant.
    if (!full.startsWith(root + path.sep)) throw new Error(`Key ${key} leaves the storage root`);
    return full;
  }

  const typePath = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.type`);

  async function writeAtomically(target: string, bytes: Uint8Array | string) {
    const folder = path.dirname(target);
    const temporary = path.join(folder, `.tmp-${randomUUID()}`);
    try {
      const handle = await fs.open(temporary, "wx", FILE_MODE);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
    await syncFolder(folder);
  }

  async function readType(file: string): Promise<string> {
    try {
      return (await fs.readFile(typePath(file), "utf8")).trim() || DEFAULT_MEDIA_TYPE;
    } catch (error) {
      if (isMissing(error)) return DEFAULT_MEDIA_TYPE;
      throw error;
    }
  }

  async function info(key: string, file: string): Promise<ObjectInfo | null> {
    try {
      const stats = await fs.stat(file);
      if (!stats.isFile()) return null;
      return { key, size: stats.size, contentType: await readType(file), modifiedAt: stats.mtime };
    } catch (error) {
      if (isMissing(error)) return null;
      throw storageFailure("read", error);
    }
  }

  /** Keys of the objects in `folder` (whose key prefix is `prefix`), depth first. */
  async function objectKeys(folder: string, prefix: string): Promise<string[]> {
    let entries;
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const keys: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      if (entry.isDirectory()) {
        keys.push(...(await objectKeys(path.join(folder, entry.name), `${prefix}${entry.name}/`)));
      } else if (entry.isFile()) {
        keys.push(`${prefix}${entry.name}`);
      }
    }
    return keys;
  }

  return {
    async ready() {
      try {
        await fs.mkdir(root, { recursive: true, mode: DIRECTORY_MODE });
        // Read and write on the folder (and search, to reach what is under it): a read-only
        // mount or a root owned by another user fails here, not at a job's first save.
        await fs.access(root, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
      } catch (error) {
        throw new StorageError(
          "unavailable",
          `The storage folder ${root} is not writable by the app (${errnoCode(error) ?? String(error)}).`,
          { retryable: true, cause: error },
        );
      }
    },

    async put(key: string, bytes: Uint8Array, options: PutOptions) {
      const file = pathOf(key);
      const contentType = normalisedMediaType(options.contentType);
      try {
        await fs.mkdir(path.dirname(file), { recursive: true, mode: DIRECTORY_MODE });
        // The type first: an object never exists without its type, and a type left by a crash
        // before the object was written is simply replaced by the next put.
        await writeAtomically(typePath(file), contentType);
        await writeAtomically(file, bytes);
      } catch (error) {
        throw storageFailure("save", error);
      }
    },

    async get(key: string) {
      const file = pathOf(key);
      try {
        return await fs.readFile(file);
      } catch (error) {
        if (isMissing(error) || errnoCode(error) === "EISDIR") {
          throw new StorageNotFoundError(key, { cause: error });
        }
        throw storageFailure("read", error);
      }
    },

    async head(key: string) {
      return info(key, pathOf(key));
    },

    async exists(key: string) {
      return (await info(key, pathOf(key))) !== null;
    },

    async delete(key: string) {
      const file = pathOf(key);
      try {
        const stats = await fs.stat(file);
        // A folder is where other keys live, not an object by this key.
        if (!stats.isFile()) return;
        await fs.rm(file, { force: true });
        await fs.rm(typePath(file), { force: true });
      } catch (error) {
        if (isMissing(error)) return;
        throw storageFailure("delete", error);
      }
    },

    async deletePrefix(prefix: string) {
      assertValidPrefix(prefix);
      const folder = pathOf(prefix.slice(0, -1));
      const trash = path.join(root, TRASH, randomUUID());
      try {
        await fs.mkdir(path.dirname(trash), { recursive: true, mode: DIRECTORY_MODE });
        // One rename empties the prefix at once: nothing under it can be read half-erased.
        await fs.rename(folder, trash);
      } catch (error) {
        if (isMissing(error)) return 0;
        throw storageFailure("delete", error);
      }
      try {
        const count = (await objectKeys(trash, "")).length;
        await fs.rm(trash, { recursive: true, force: true });
        return count;
      } catch (error) {
        throw storageFailure("delete", error);
      }
    },

    async list(prefix: string) {
      assertValidPrefix(prefix);
      const folder = pathOf(prefix.slice(0, -1));
      try {
        const keys = (await objectKeys(folder, prefix)).sort();
        const found = await Promise.all(keys.map((key) => info(key, pathOf(key))));
        return found.filter((entry): entry is ObjectInfo => entry !== null);
      } catch (error) {
        if (error instanceof StorageError) throw error;
        throw storageFailure("read", error);
      }
    },
  };
}

/** Flushes a folder's entries (a rename) to the disk; not every platform can open a folder. */
async function syncFolder(folder: string) {
  let handle;
  try {
    handle = await fs.open(folder, "r");
    await handle.sync();
  } catch (error) {
    if (!["EISDIR", "EPERM", "EACCES", "EINVAL"].includes(errnoCode(error) ?? "")) throw error;
  } finally {
    await handle?.close();
  }
}
