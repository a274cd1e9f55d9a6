/**
 * The audit log's vocabulary, client-safe: the actions recorded and how the "Your data" page names
 * them. An action is a code, never a sentence, so a record cannot carry anything but what it says.
 */
export const AUDIT_ACTIONS = [
  "job.started",
  "images.approved",
  "images.written",
  "images.restored",
  "settings.changed",
  "plan.changed",
  "data.exported",
  "data.deleted",
  "retention.purged",
  "shop.erased",
  "customers.data_request",
  "customers.redact",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ACTORS = ["merchant", "system"] as const;
export type AuditActor = (typeof AUDIT_ACTORS)[number];

const LABELS: Record<AuditAction, string> = {
  "job.started": "Job started",
  "images.approved": "Results approved",
  "images.written": "Images written to your store",
  "images.restored": "Originals restored",
  "settings.changed": "Settings changed",
  "plan.changed": "Plan changed",
  "data.exported": "Data downloaded",
  "data.deleted": "Data deleted",
  "retention.purged": "Expired files deleted",
  "shop.erased": "Store data erased",
  "customers.data_request": "Customer data request answered",
  "customers.redact": "Customer erasure request answered",
};

export function auditActionLabel(action: string): string {
  return (LABELS as Record<string, string>)[action] ?? action;
}
