import type { BillingConfig } from "@shopify/shopify-api";

/**
 * Plans charged through the Shopify Billing API. Photo Studio has no paid plan yet: the billing
 * capability (plans, credit packs, capped usage charges) fills this in, and shopify.server.ts
 * already passes it to shopifyApp so `billing.require/check/request` work once plans exist.
 */
export const billingConfig = {} satisfies BillingConfig;
