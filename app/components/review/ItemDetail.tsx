import { useFetcher } from "@remix-run/react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  InlineStack,
  List,
  Modal,
  Text,
  TextField,
} from "@shopify/polaris";
import { useCallback, useEffect, useRef, useState } from "react";

import { ItemStatusBadge } from "~/components/jobs/StatusBadge";
import { useActionToast } from "~/components/jobs/useActionToast";
import type { ReviewPreviews, ReviewTile, ReviewView } from "~/review/review-view.server";

import { CompareView } from "./CompareView";
import { MaskPainter, type MaskPainterHandle } from "./MaskPainter";
import { useTileStatus, type ReviewActionResult } from "./ReviewGrid";

function costSentence(what: string, label: string) {
  return label === "Free" ? `${what} is free.` : `${what} costs ${label}.`;
}

/**
 * The detail view's larger images, fetched when it opens (and again for a new result); until they
 * arrive it shows the thumbnails the grid already has, so the view is never empty.
 */
function usePreviews(jobId: string, tile: ReviewTile) {
  const previews = useFetcher<ReviewPreviews>({ key: `review-previews-${tile.id}` });
  const variantId = tile.result?.variantId ?? null;
  const { load } = previews;
  useEffect(() => {
    load(`/app/jobs/${jobId}/items/${tile.id}/previews`);
  }, [load, jobId, tile.id, variantId]);
  const data = previews.data && "original" in previews.data ? previews.data : null;
  return {
    before: data?.original ?? tile.original?.thumb ?? null,
    after: data?.result ?? tile.result?.thumb ?? null,
  };
}

/**
 * One result in detail: before/after with zoom, the engine's notes, and what the merchant can do
 * with it (approve, reject, regenerate with an edited prompt, erase a painted area), each priced
 * before the click.
 */
export function ItemDetail({
  tile,
  job,
  costs,
  credits,
  onClose,
}: {
  tile: ReviewTile;
  job: ReviewView["job"];
  costs: ReviewView["costs"];
  credits: ReviewView["credits"];
  onClose: () => void;
}) {
  const { status, decide } = useTileStatus(tile);
  const images = usePreviews(job.id, tile);
  const edit = useFetcher<ReviewActionResult>({ key: `review-edit-${tile.id}` });
  useActionToast(edit.data);
  const [mode, setMode] = useState<"compare" | "erase">("compare");
  const [prompt, setPrompt] = useState(tile.result?.prompt ?? job.scenePrompt ?? "");
  // The result's alt text as the merchant edits it; saved on the result before approving.
  const savedAlt = tile.result?.altText ?? "";
  const [altText, setAltText] = useState(savedAlt);
  useEffect(() => setAltText(savedAlt), [savedAlt]);
  const [painted, setPainted] = useState(false);
  const painter = useRef<MaskPainterHandle>(null);
  const onPainted = useCallback((has: boolean) => setPainted(has), []);

  const decidable = status === "ready_for_review";
  const editing = edit.state !== "idle";
  const editIntent = edit.formData?.get("intent");
  const regenerate = costs.regenerate;
  const canAffordRegenerate = regenerate !== null && credits.available >= regenerate.credits;
  const canAffordErase = credits.available >= costs.erase.credits;
  const altDirty = altText.trim() !== savedAlt.trim();

  const submitAltText = () => {
    const form = new FormData();
    form.set("intent", "altText");
    form.set("itemId", tile.id);
    form.set("altText", altText);
    edit.submit(form, { method: "post" });
  };

  const submitRegenerate = () => {
    const form = new FormData();
    form.set("intent", "regenerate");
    form.set("itemId", tile.id);
    if (job.scene && prompt.trim()) form.set("prompt", prompt.trim());
    edit.submit(form, { method: "post" });
  };

  const submitErase = async () => {
    const mask = await painter.current?.exportMask();
    if (!mask) return;
    const form = new FormData();
    form.set("intent", "erase");
    form.set("itemId", tile.id);
    form.set("mask", new File([mask], "mask.png", { type: "image/png" }));
    edit.submit(form, { method: "post", encType: "multipart/form-data" });
  };

  return (
    <Modal
      open
      onClose={onClose}
      size="large"
      title={tile.productTitle}
      titleHidden={false}
      primaryAction={{
        content: "Approve",
        // An unsaved alt text would not go with the image: save it (or undo the edit) first.
        disabled: !decidable || altDirty || editing,
        onAction: () => {
          decide("approve");
          onClose();
        },
      }}
      secondaryActions={[
        {
          content: "Reject",
          disabled: !decidable,
          onAction: () => {
            decide("reject");
            onClose();
          },
        },
      ]}
    >
      <Modal.Section>
        <BlockStack gap="400">
          <InlineStack align="space-between" blockAlign="center" gap="200">
            <ItemStatusBadge status={status} />
            {tile.result ? (
              <ButtonGroup variant="segmented">
                <Button pressed={mode === "compare"} onClick={() => setMode("compare")}>
                  Compare
                </Button>
                <Button
                  pressed={mode === "erase"}
                  onClick={() => setMode("erase")}
                  disabled={!decidable}
                >
                  Magic eraser
                </Button>
              </ButtonGroup>
            ) : null}
          </InlineStack>

          {tile.error ? (
            <Banner tone="critical" title={tile.error.what}>
              <p>{tile.error.next}</p>
            </Banner>
          ) : null}

          {!tile.result ? (
            <Box padding="400" background="bg-surface-secondary" borderRadius="200">
              <Text as="p" tone="subdued">
                {status === "failed"
                  ? "There is no result for this photo."
                  : "The result is being made; it appears here when it is ready."}
              </Text>
            </Box>
          ) : mode === "compare" ? (
            <CompareView
              before={images.before}
              after={images.after ?? tile.result.thumb}
              aspectRatio={tile.aspectRatio}
              productTitle={tile.productTitle}
            />
          ) : (
            <BlockStack gap="300">
              <Text as="p">
                Paint over what should disappear (a tag, a stain, a reflection). The area is filled
                in to match its surroundings and you review the new result.
              </Text>
              <MaskPainter
                ref={painter}
                image={images.after ?? tile.result.thumb}
                width={tile.result.width}
                height={tile.result.height}
                productTitle={tile.productTitle}
                onChange={onPainted}
              />
              <InlineStack align="end" gap="300" blockAlign="center">
                <Text as="span" tone="subdued" id={`erase-cost-${tile.id}`}>
                  {costSentence("Erasing", costs.erase.label)}
                </Text>
                <Button
                  variant="primary"
                  onClick={submitErase}
                  disabled={!painted || !decidable || !canAffordErase || editing}
                  loading={editing && editIntent === "erase"}
                >
                  Erase painted area
                </Button>
              </InlineStack>
              {!canAffordErase ? (
                <Banner tone="warning" title="Not enough credits">
                  <p>{`${costSentence("Erasing", costs.erase.label)} You have ${credits.available} left.`}</p>
                </Banner>
              ) : null}
            </BlockStack>
          )}

          {tile.result && tile.result.notes.length > 0 ? (
            <BlockStack gap="100">
              <Text as="h3" variant="headingSm">
                Notes on this result
              </Text>
              <List>
                {tile.result.notes.map((note) => (
                  <List.Item key={note}>{note}</List.Item>
                ))}
              </List>
            </BlockStack>
          ) : null}
          {tile.result ? (
            <BlockStack gap="200">
              <TextField
                label="Alt text"
                value={altText}
                onChange={setAltText}
                multiline={2}
                maxLength={512}
                showCharacterCount
                autoComplete="off"
                helpText={
                  altDirty
                    ? "Save the alt text to approve with it."
                    : "Written with the image. Leave empty to keep the original photo's alt text."
                }
                disabled={!decidable}
              />
              <InlineStack align="end">
                <Button
                  onClick={submitAltText}
                  disabled={!decidable || !altDirty}
                  loading={editing && editIntent === "altText"}
                >
                  Save alt text
                </Button>
              </InlineStack>
            </BlockStack>
          ) : null}
        </BlockStack>
      </Modal.Section>

      {regenerate ? (
        <Modal.Section>
          <BlockStack gap="300">
            <Text as="h3" variant="headingSm">
              Regenerate
            </Text>
            {job.scene ? (
              <TextField
                label="Scene prompt"
                value={prompt}
                onChange={setPrompt}
                multiline={2}
                maxLength={500}
                showCharacterCount
                autoComplete="off"
                helpText="Describe the scene to place the product in. Leave empty to use the job's scene."
                disabled={!decidable}
              />
            ) : (
              <Text as="p" tone="subdued">
                Runs the job&apos;s recipe on this photo again for a new result.
              </Text>
            )}
            <InlineStack align="end" gap="300" blockAlign="center">
              <Text as="span" tone="subdued">
                {costSentence("Regenerating", regenerate.label)}
              </Text>
              <Button
                onClick={submitRegenerate}
                disabled={!decidable || !canAffordRegenerate || editing}
                loading={editing && editIntent === "regenerate"}
              >
                Regenerate
              </Button>
            </InlineStack>
            {!canAffordRegenerate ? (
              <Banner tone="warning" title="Not enough credits">
                <p>{`${costSentence("Regenerating", regenerate.label)} You have ${credits.available} left.`}</p>
              </Banner>
            ) : null}
          </BlockStack>
        </Modal.Section>
      ) : null}
    </Modal>
  );
}
