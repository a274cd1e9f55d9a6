import fs from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { DEFAULT_MODELS } from "~/ai/replicate/models.server";
import { AUDIT_RETENTION_DAYS } from "~/audit/audit.server";
import { REQUEST_LOG_RETENTION_DAYS } from "~/observability/request-log.server";
import { TRANSIENT_UPLOAD_HOURS } from "~/retention/transient.server";
import { RETENTION_BOUNDS } from "~/settings/shop-settings.server";

const privacy = fs.readFileSync(path.join(import.meta.dirname, "../../PRIVACY.md"), "utf8");
const readme = fs.readFileSync(path.join(import.meta.dirname, "../../README.md"), "utf8");

describe("PRIVACY.md", () => {
  it("states the periods the code keeps data for", () => {
    const { retentionDays, resultRetentionDays } = RETENTION_BOUNDS;
    expect(privacy).toContain(
      `(${retentionDays.min}–${retentionDays.max}, default ${retentionDays.default})`,
    );
    expect(privacy).toContain(
      `(${resultRetentionDays.min}–${resultRetentionDays.max}, default ${resultRetentionDays.default})`,
    );
    expect(privacy).toContain(`${AUDIT_RETENTION_DAYS} days`);
    expect(privacy).toContain(`${TRANSIENT_UPLOAD_HOURS} hours after upload`);
    expect(privacy).toContain(`files: ${REQUEST_LOG_RETENTION_DAYS} days`);
  });

  it("names every default Replicate model", () => {
    for (const model of Object.values(DEFAULT_MODELS)) {
      expect(privacy).toContain(model.split(":")[0]);
    }
  });

  it("is linked from the README", () => {
    expect(readme).toContain("[PRIVACY.md](PRIVACY.md)");
  });
});
