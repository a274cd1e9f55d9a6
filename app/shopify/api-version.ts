import { ApiVersion } from "@shopify/shopify-app-remix/server";

/**
 * The one Admin API version Photo Studio speaks. shopify.app.toml ([webhooks] api_version) and the
 * extensions' shopify.extension.toml files must name the same; tests hold them together.
 */
export const ADMIN_API_VERSION = ApiVersion.October26;
