/** @jsxImportSource preact */
import "@shopify/ui-extensions/preact";
import type {} from "@shopify/ui-extensions/admin.product-details.action.render";
import { render } from "preact";

import { EnhancePanel } from "../../shared/EnhancePanel";
import { host } from "../../shared/host";

export default async () => {
  // On a product's page the selection is that one product.
  const productIds = host()
    .data.selected.map((resource) => resource.id)
    .slice(0, 1);
  render(<EnhancePanel productIds={productIds} restore />, document.body);
};
