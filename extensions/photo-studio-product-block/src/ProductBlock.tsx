/** @jsxImportSource preact */
/**
 * Photo Studio on a product's page: what the app last did to the product, how many results wait
 * for the merchant's review, and the way to the job or to a new one (the product page action).
 */
import "@shopify/ui-extensions/preact";
import type { BlockExtensionApi } from "@shopify/ui-extensions/admin";
import type {} from "@shopify/ui-extensions/admin.product-details.block.render";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";

import { AppApiError, appApi, jobPageUrl, type ProductStatus } from "../../shared/app-api";

type BlockHost = BlockExtensionApi<"admin.product-details.block.render">;

const host = () => (globalThis as unknown as { shopify: BlockHost }).shopify;
const t = (key: string, options?: Record<string, string | number>) =>
  host().i18n.translate(key, options);

export default async () => {
  const productId = host().data.selected[0]?.id ?? "";
  render(<ProductBlock productId={productId} />, document.body);
};

function ProductBlock({ productId }: { productId: string }) {
  const [status, setStatus] = useState<ProductStatus | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    appApi
      .productStatus(productId)
      .then(setStatus, (error: unknown) =>
        setFailed(
          error instanceof AppApiError && error.code === "network" ? "network" : "unavailable",
        ),
      );
  }, [productId]);

  const job = status?.lastJob ?? null;
  return (
    <s-admin-block
      heading={t("block.heading")}
      collapsedSummary={job ? t(`job.${job.status}`) : t("block.none")}
    >
      <s-stack gap="base">
        {failed ? (
          <s-banner tone="critical" heading={t(`errors.${failed}`)}>
            <s-paragraph>{t(`errors.${failed}Body`)}</s-paragraph>
          </s-banner>
        ) : null}
        {!status && !failed ? <s-spinner accessibilityLabel={t("block.loading")} /> : null}
        {status && !job ? <s-text>{t("block.none")}</s-text> : null}
        {job ? (
          <s-stack gap="small-200">
            <s-text>
              {t("block.lastJob", {
                status: t(`job.${job.status}`),
                date: host().i18n.formatDate(new Date(job.createdAt), { dateStyle: "medium" }),
              })}
            </s-text>
            {status && status.awaitingReview > 0 ? (
              <s-badge tone="warning">
                {t("block.awaitingReview", { count: status.awaitingReview })}
              </s-badge>
            ) : null}
            {status && status.written > 0 ? (
              <s-text color="subdued">{t("block.written", { count: status.written })}</s-text>
            ) : null}
            <s-link
              href={
                status && status.awaitingReview > 0
                  ? `${jobPageUrl(job.id)}/review`
                  : jobPageUrl(job.id)
              }
            >
              {status && status.awaitingReview > 0 ? t("block.review") : t("job.open")}
            </s-link>
          </s-stack>
        ) : null}
        {status ? (
          <s-button
            onClick={() => host().navigation.navigate("extension://photo-studio-product-action")}
          >
            {t("actions.start")}
          </s-button>
        ) : null}
      </s-stack>
    </s-admin-block>
  );
}
