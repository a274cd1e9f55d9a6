/**
 * Why an image failed, in words a merchant can act on. Job items keep a machine code
 * (`JobItem.errorCode`, from app/jobs/failures.ts) beside the message of the error that ended
 * them; the codes come from the image engine, the AI providers, Shopify, storage and write-back.
 * The page shows one sentence saying what happened and one saying what to do, so a merchant never
 * reads a provider's or Shopify's own wording. Client-safe: the job page maps codes it polls.
 */

export interface ItemErrorWords {
  /** What happened, in one sentence. */
  what: string;
  /** What the merchant can do about it. */
  next: string;
  /** Whether retrying the same photo is likely to help (a busy service, a timeout). */
  retryHelps: boolean;
}

const RETRY_LATER = "Retry in a few minutes.";
const REPLACE_PHOTO = "Replace the photo on the product in Shopify, then retry.";

function words(what: string, next: string, retryHelps: boolean): ItemErrorWords {
  return { what, next, retryHelps };
}

const PHOTO_UNREADABLE = words(
  "The original photo is damaged or incomplete, so it could not be opened.",
  REPLACE_PHOTO,
  false,
);
const PHOTO_TOO_BIG = words(
  "The original photo is too large to process.",
  "Upload a smaller version of the photo (under 25 megapixels) in Shopify, then retry.",
  false,
);
const SERVICE_BUSY = words(
  "The image service was busy or did not answer in time.",
  RETRY_LATER,
  true,
);
const SHOPIFY_BUSY = words("Shopify was busy or did not answer in time.", RETRY_LATER, true);
const PRODUCT_GONE = words(
  "The product was deleted or can no longer be found in your store.",
  "Nothing to do unless the product comes back; you can dismiss this image.",
  false,
);
const MEDIA_GONE = words(
  "The photo was removed from the product while the job was running.",
  "Add the photo back to the product if you still want it processed, then retry.",
  false,
);
const ACCESS = words(
  "Photo Studio is not allowed to do this in your store any more.",
  "Open Photo Studio from your Shopify admin again to renew its access, then retry.",
  true,
);
const INTERNAL = words(
  "Something went wrong on our side while working on this image.",
  "Retry; if it happens again, contact support.",
  true,
);

/**
 * Codes as the job engine stores them. Some codes mean the same to a merchant whichever part of
 * the app raised them ("too_large" from a download or from the AI provider), so they share words.
 */
const BY_CODE: Record<string, ItemErrorWords> = {
  // Image engine (app/images/errors.ts)
  empty_file: words("The original photo is an empty file.", REPLACE_PHOTO, false),
  file_too_large: PHOTO_TOO_BIG,
  unsupported_format: words(
    "The photo is in a format Photo Studio cannot read.",
    "Upload it as JPEG, PNG, WebP or AVIF in Shopify, then retry.",
    false,
  ),
  not_a_photo: words("This file is not a photo.", REPLACE_PHOTO, false),
  dimensions_too_large: PHOTO_TOO_BIG,
  too_many_pixels: PHOTO_TOO_BIG,
  too_many_frames: words(
    "The photo is an animation with too many frames.",
    "Upload a still photo in Shopify, then retry.",
    false,
  ),
  truncated: PHOTO_UNREADABLE,
  corrupt: PHOTO_UNREADABLE,
  unreadable_image: PHOTO_UNREADABLE,
  empty_image: words("The photo is blank, so there is nothing to work on.", REPLACE_PHOTO, false),
  output_too_large: words(
    "The finished image would be larger than Shopify accepts.",
    "Choose a smaller upscale or a different preset, then start a new job.",
    false,
  ),
  invalid_edit: words(
    "This combination of settings cannot be applied to this photo.",
    "Start a new job with different settings.",
    false,
  ),
  unknown_preset: words(
    "The job asks for a marketplace preset that no longer exists.",
    "Start a new job with one of the current presets.",
    false,
  ),
  // AI providers (app/ai)
  content_declined: words(
    "The image service declined this photo or prompt under its content rules.",
    "Edit the prompt or use another photo, then regenerate.",
    false,
  ),
  rejected_input: words("The image service could not work with this photo.", REPLACE_PHOTO, false),
  empty_cutout: words(
    "No product could be found in the photo to cut out.",
    "Use a photo where the product stands out from the background.",
    false,
  ),
  no_cutout: words(
    "No product could be found in the photo to cut out.",
    "Use a photo where the product stands out from the background.",
    false,
  ),
  segmentation_failed: words(
    "The product could not be separated from its background.",
    "Use a photo where the product stands out from the background, then retry.",
    false,
  ),
  mask_size_mismatch: words(
    "The area you painted does not match this image any more.",
    "Open the image and paint the area to erase again.",
    false,
  ),
  prompt_not_supported: words(
    "The chosen image service does not take a written prompt.",
    "Use a scene template instead of a prompt.",
    false,
  ),
  unknown_template: words(
    "The scene template of this job no longer exists.",
    "Start a new job with one of the current scenes.",
    false,
  ),
  invalid_request: words(
    "The job's settings cannot be applied to this photo.",
    "Start a new job with different settings.",
    false,
  ),
  out_of_credit: words(
    "The image service account has run out of credit.",
    "Contact support; your own credits were not used for this image.",
    true,
  ),
  not_authorized: words(
    "The image service refused our credentials.",
    "Contact support; retry once they confirm it is fixed.",
    true,
  ),
  model_not_installed: words(
    "The image model this step needs is not installed.",
    "Contact support; retry once they confirm it is fixed.",
    true,
  ),
  rate_limited: SERVICE_BUSY,
  service_unavailable: SERVICE_BUSY,
  model_unavailable: SERVICE_BUSY,
  timed_out: SERVICE_BUSY,
  unreachable: SERVICE_BUSY,
  request_failed: SERVICE_BUSY,
  unconfirmed: SERVICE_BUSY,
  model_failed: words("The image model failed on this photo.", "Retry.", true),
  unexpected_output: words("The image model returned an unusable result.", "Retry.", true),
  output_expired: words(
    "The result expired at the image service before it could be saved.",
    "Retry.",
    true,
  ),
  canceled: words("This image was stopped before it finished.", "Retry to process it.", true),
  canceled_remotely: words(
    "The image service stopped this image before it finished.",
    "Retry to process it.",
    true,
  ),
  too_large: PHOTO_TOO_BIG,
  // Downloads of the original (app/shopify/image-download.server.ts)
  not_found: words(
    "The original photo could no longer be found.",
    "Check that the photo is still on the product, then retry.",
    false,
  ),
  unavailable: SERVICE_BUSY,
  timeout: SERVICE_BUSY,
  // Storage (app/storage/errors.ts)
  full: words("Photo Studio's storage is full.", "Contact support, then retry.", true),
  invalid_key: INTERNAL,
  // Shopify and write-back (app/shopify)
  THROTTLED: SHOPIFY_BUSY,
  UNAVAILABLE: SHOPIFY_BUSY,
  TIMEOUT: SHOPIFY_BUSY,
  CANCELED: SHOPIFY_BUSY,
  UNAUTHORIZED: ACCESS,
  access_denied: ACCESS,
  // Reading the selection from the catalog (app/shopify/catalog.server.ts)
  invalid_selection: words(
    "The selected products could not be read.",
    "Choose the products again and start a new job.",
    false,
  ),
  export_busy: SHOPIFY_BUSY,
  export_timeout: SHOPIFY_BUSY,
  export_failed: words("Shopify could not list the selected products.", RETRY_LATER, true),
  GRAPHQL: words(
    "Shopify refused the change to this product.",
    "Check the product in Shopify, then retry.",
    true,
  ),
  shopify_busy: SHOPIFY_BUSY,
  shopify_refused: words(
    "Shopify refused the new image.",
    "Check the product in Shopify, then retry.",
    true,
  ),
  product_not_found: PRODUCT_GONE,
  invalid_product_id: PRODUCT_GONE,
  product_suspended: words(
    "Shopify does not allow changes to this product right now.",
    "Check the product's status in Shopify, then retry.",
    true,
  ),
  product_busy: words("Another change to this product was in progress.", RETRY_LATER, true),
  media_not_found: MEDIA_GONE,
  no_media: MEDIA_GONE,
  media_not_image: words(
    "This media is a video or 3D model, not a photo.",
    "Nothing to do: only photos are processed.",
    false,
  ),
  media_limit_reached: words(
    "The product already has as many images as Shopify allows.",
    "Remove an image from the product or use “Replace” as the write mode, then retry.",
    false,
  ),
  media_processing_failed: words(
    "Shopify could not process the new image.",
    "Retry; if it fails again, regenerate the image.",
    true,
  ),
  media_still_processing: words("Shopify was still processing the new image.", RETRY_LATER, true),
  image_empty: words("The finished image was empty.", "Regenerate the image.", false),
  image_too_large: words(
    "The finished image is larger than Shopify accepts.",
    "Start a new job without upscaling.",
    false,
  ),
  image_too_many_pixels: words(
    "The finished image has more pixels than Shopify accepts.",
    "Start a new job without upscaling.",
    false,
  ),
  upload_lost: words("The upload to Shopify did not arrive.", "Retry.", true),
  reorder_pending: words(
    "Shopify had not finished putting the product's images in order.",
    RETRY_LATER,
    true,
  ),
  variant_relink_failed: words(
    "The new image could not be linked to the product's variants.",
    "Check the variant images in Shopify, then retry.",
    true,
  ),
  restore_failed: words(
    "The original image could not be put back.",
    "Retry the restore; if it fails again, contact support.",
    true,
  ),
  result_missing: words(
    "The finished image is no longer stored, so it could not be written.",
    "Regenerate the image, then approve it again.",
    false,
  ),
  insufficient_credits: words(
    "Your shop ran out of credits before this image was processed.",
    "Add credits or change plan, then retry.",
    true,
  ),
  internal_error: INTERNAL,
};

/** Whether a code has its own words (tests check every code the app raises has). */
export function hasErrorWords(code: string): boolean {
  return Object.hasOwn(BY_CODE, code);
}

/** Words for a failed item. Unknown codes fall back to the stored message when there is one:
 * errors of known classes carry merchant-readable messages (app/jobs/failures.ts). */
export function itemErrorWords(
  code: string | null | undefined,
  message?: string | null,
): ItemErrorWords {
  const known = code ? BY_CODE[code] : undefined;
  if (known) return known;
  const text = message?.trim();
  if (text)
    return words(
      text.endsWith(".") ? text : `${text}.`,
      "Retry; if it fails again, contact support.",
      true,
    );
  return INTERNAL;
}

/** Why a medium of the selection was not processed, as `Job.skipped` records it. */
export function skippedReasonWords(reason: string): string {
  const text = reason.trim();
  if (!text) return "It could not be processed.";
  const sentence = text[0]!.toUpperCase() + text.slice(1);
  return sentence.endsWith(".") ? sentence : `${sentence}.`;
}
