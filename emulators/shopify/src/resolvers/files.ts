/**
 * Files and product media: stagedUploadsCreate, fileCreate, fileUpdate, fileDelete, the `files`
 * and `job` queries, and the product media mutations (media/product-mutations.ts,
 * media/media-order.ts). The pieces live in media/.
 * https://shopify.dev/docs/apps/build/online-store/product-media
 */
import { connection, type ConnectionArgs } from "../connection.ts";
import { requireScope, type ResolverContext, type ResolverModule } from "../context.ts";
import { userError, type UserErrorView } from "../media/errors.ts";
import {
  executeFileCreate,
  planFileCreate,
  type FileCreatePlan,
  type FileSourceInput,
} from "../media/file-create.ts";
import { findFileByGid } from "../media/file-records.ts";
import { searchFiles } from "../media/file-search.ts";
import { fileUpdate, type FileUpdateInput } from "../media/file-update.ts";
import { MAX_FILES_PER_BATCH } from "../media/limits.ts";
import { mediaOrderMutations } from "../media/media-order.ts";
import { productMediaMutations } from "../media/product-mutations.ts";
import { announceProducts, deleteFile } from "../media/product-media.ts";
import { findJob } from "../media/reorder-jobs.ts";
import {
  checkStagedInput,
  issueStagedTarget,
  type StagedUploadInput,
} from "../media/staged-targets.ts";
import type { FileRecord } from "../state.ts";
import { fileView } from "../views.ts";

/** Shopify's scopes for the Files API: any of files, themes or images access. */
const READ_FILES = ["read_files", "read_themes", "read_images"];
const WRITE_FILES = ["write_files", "write_themes", "write_images"];

const filesPayload = (
  context: ResolverContext,
  files: FileRecord[] | null,
  errors: UserErrorView[],
) => ({
  files: files && files.map((file) => fileView(context, file)),
  userErrors: errors,
});

export const fileResolvers: ResolverModule = {
  query: {
    files: (args, context) => {
      requireScope(context, ...READ_FILES);
      return connection(
        searchFiles(context, args.query, args.sortKey),
        args as ConnectionArgs,
        (file) => file.id,
        (file) => fileView(context, file),
      );
    },
    job: ({ id }, context) => findJob(context, id),
  },
  mutation: {
    // Every input is checked before any target is issued, so a refused batch leaves none behind.
    stagedUploadsCreate: ({ input }, context) => {
      const inputs = input as StagedUploadInput[];
      const errors = inputs.flatMap((item, index) => checkStagedInput(item, index));
      return errors.length > 0
        ? { stagedTargets: null, userErrors: errors }
        : { stagedTargets: inputs.map((item) => issueStagedTarget(context, item)), userErrors: [] };
    },

    fileCreate: async ({ files }, context) => {
      requireScope(context, ...WRITE_FILES);
      const inputs = files as FileSourceInput[];
      if (inputs.length > MAX_FILES_PER_BATCH) {
        return filesPayload(context, null, [
          userError(
            ["files"],
            `The maximum number of files that can be created in a single batch is ${MAX_FILES_PER_BATCH}.`,
            "INVALID",
          ),
        ]);
      }
      const errors: UserErrorView[] = [];
      const plans = inputs
        .map((input, index) => planFileCreate(input, ["files", index], errors))
        .filter((plan): plan is FileCreatePlan => plan !== null);
      if (errors.length > 0) return filesPayload(context, null, errors);
      const created: FileRecord[] = [];
      for (const plan of plans) created.push(await executeFileCreate(context, plan));
      return filesPayload(context, created, []);
    },

    fileUpdate: async ({ files }, context) => {
      requireScope(context, ...WRITE_FILES);
      const result = await fileUpdate(context, files as FileUpdateInput[]);
      announceProducts(context, result.touched);
      return filesPayload(context, result.files, result.userErrors);
    },

    fileDelete: ({ fileIds }, context) => {
      requireScope(context, ...WRITE_FILES);
      const ids = fileIds as string[];
      const files = ids.map((id) => findFileByGid(context, id));
      const errors = ids.flatMap((id, index) =>
        files[index]
          ? []
          : [userError(["fileIds"], `File id ${id} does not exist.`, "FILE_DOES_NOT_EXIST")],
      );
      if (errors.length > 0) return { deletedFileIds: null, userErrors: errors };
      const touched = [...new Set(files)].flatMap((file) => deleteFile(context, file!));
      announceProducts(context, touched);
      return { deletedFileIds: ids, userErrors: [] };
    },

    ...productMediaMutations,
    ...mediaOrderMutations,
  },
};
