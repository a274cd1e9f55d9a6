/** @jsxImportSource preact */
import "@shopify/ui-extensions/preact";
import type {} from "@shopify/ui-extensions/admin.product-index.selection-action.render";
import { render } from "preact";

import { EnhancePanel } from "../../shared/EnhancePanel";
import { host } from "../../shared/host";

export default async () => {
  const productIds = host().data.selected.map((resource) => resource.id);
  render(<EnhancePanel productIds={productIds} />, document.body);
};
