import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import {
  Link as RemixLink,
  isRouteErrorResponse,
  useFetcher,
  useLoaderData,
  useNavigation,
  useRouteError,
} from "@remix-run/react";
import { SaveBar, TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  Checkbox,
  ChoiceList,
  FormLayout,
  InlineStack,
  Layout,
  Link,
  Page,
  Select,
  SkeletonBodyText,
  SkeletonDisplayText,
  SkeletonPage,
  Text,
  TextField,
} from "@shopify/polaris";
import { boundary } from "@shopify/shopify-app-remix/server";
import { useEffect, useMemo, useState, type ButtonHTMLAttributes } from "react";

import db from "~/db.server";
import { getEnv } from "~/env.server";
import { listSavedRecipes } from "~/recipes/saved-recipes.server";
import {
  RETENTION_BOUNDS,
  getShopSettings,
  presetOptions,
  saveShopSettings,
  type SettingsField,
  type ShopSettings,
} from "~/settings/shop-settings.server";
import { authenticate } from "~/shopify.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const env = getEnv();
  return json({
    settings: await getShopSettings(db, session.shop),
    presets: presetOptions(),
    bounds: RETENTION_BOUNDS,
    providers: { operator: env.aiProvider, choices: env.aiProviderChoices },
    recipes: (await listSavedRecipes(db, session.shop)).map((recipe) => ({
      value: recipe.id,
      label: recipe.name,
    })),
    emailAvailable: Boolean(env.email),
  });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = Object.fromEntries(await request.formData());
  const result = await saveShopSettings(db, session.shop, form);
  if (!result.ok) return json({ ok: false as const, errors: result.errors }, { status: 422 });
  return json({ ok: true as const, settings: result.settings });
};

type FieldErrors = Partial<Record<SettingsField, string>>;
type ActionData = { ok: true; settings: ShopSettings } | { ok: false; errors: FieldErrors };

const PROVIDER_NAMES = { local: "Photo Studio's own server", replicate: "Replicate" } as const;
const SAVE_BAR_ID = "settings-save-bar";
// App Bridge's save bar reads `variant="primary"` on its Save button; React's button type lacks it.
const PRIMARY = { variant: "primary" } as ButtonHTMLAttributes<HTMLButtonElement>;

/** The form's values as text fields hold them; what the action receives. */
type Draft = Record<SettingsField, string>;

function toDraft(settings: ShopSettings): Draft {
  return {
    defaultPreset: settings.defaultPreset,
    backgroundColor: settings.backgroundColor,
    writeMode: settings.writeMode,
    autoApprove: String(settings.autoApprove),
    altText: String(settings.altText),
    retentionDays: String(settings.retentionDays),
    resultRetentionDays: String(settings.resultRetentionDays),
    aiProvider: settings.aiProvider,
    autoProcess: String(settings.autoProcess),
    autoProcessRecipeId: settings.autoProcessRecipeId ?? "",
    notifyEmail: settings.notifyEmail ?? "",
    notifyWebhookUrl: settings.notifyWebhookUrl ?? "",
  };
}

export default function Settings() {
  const { settings, presets, bounds, providers, recipes, emailAvailable } =
    useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const fetcher = useFetcher<ActionData>();
  const shopify = useAppBridge();

  const [saved, setSaved] = useState<Draft>(() => toDraft(settings));
  const [draft, setDraft] = useState<Draft>(saved);
  const [errors, setErrors] = useState<FieldErrors>({});
  const dirty = useMemo(
    () => (Object.keys(draft) as SettingsField[]).some((field) => draft[field] !== saved[field]),
    [draft, saved],
  );
  const saving = fetcher.state !== "idle";
  const canChoose = providers.choices.length > 1;

  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data) return;
    if (fetcher.data.ok) {
      const next = toDraft(fetcher.data.settings);
      setSaved(next);
      setDraft(next);
      setErrors({});
      shopify.toast.show("Settings saved");
    } else {
      setErrors(fetcher.data.errors);
      shopify.toast.show("Settings not saved: check the highlighted fields", { isError: true });
    }
  }, [fetcher.state, fetcher.data, shopify]);

  const set = (field: SettingsField) => (value: string) => {
    setDraft((current) => ({ ...current, [field]: value }));
    setErrors((current) => ({ ...current, [field]: undefined }));
  };
  const save = () => fetcher.submit(draft, { method: "post" });
  const discard = () => {
    setDraft(saved);
    setErrors({});
  };

  if (navigation.state === "loading" && navigation.location.pathname === "/app/settings") {
    return <SettingsSkeleton />;
  }

  const hasErrors = Object.values(errors).some(Boolean);
  const sources = bounds.retentionDays;
  const results = bounds.resultRetentionDays;

  return (
    <Page title="Settings">
      <TitleBar title="Settings" />
      <SaveBar id={SAVE_BAR_ID} open={dirty}>
        <button {...PRIMARY} onClick={save} disabled={saving}>
          Save
        </button>
        <button onClick={discard} disabled={saving}>
          Discard
        </button>
      </SaveBar>
      <fetcher.Form method="post" onSubmit={(event) => (event.preventDefault(), save())}>
        <Layout>
          {hasErrors ? (
            <Layout.Section>
              <Banner tone="critical" title="Your settings were not saved">
                <p>Correct the highlighted fields, then save again.</p>
              </Banner>
            </Layout.Section>
          ) : null}

          <Layout.AnnotatedSection
            id="defaults"
            title="New jobs"
            description="What a new job starts with. You can still change everything for each job."
          >
            <Card>
              <FormLayout>
                <Select
                  label="Default marketplace preset"
                  name="defaultPreset"
                  options={presets}
                  value={draft.defaultPreset}
                  onChange={set("defaultPreset")}
                  error={errors.defaultPreset}
                />
                <TextField
                  label="Background colour"
                  name="backgroundColor"
                  autoComplete="off"
                  value={draft.backgroundColor}
                  onChange={set("backgroundColor")}
                  error={errors.backgroundColor}
                  helpText="Used when a job puts the product on a colour. Presets that require pure white keep white."
                  prefix={<ColourSwatch colour={draft.backgroundColor} />}
                  maxLength={7}
                />
                <ChoiceList
                  title="When results are written to your store"
                  choices={[
                    {
                      label: "Replace the original image",
                      value: "replace",
                      helpText: "The original is kept by Photo Studio so you can restore it.",
                    },
                    {
                      label: "Add the result as a new image",
                      value: "add",
                      helpText: "The product keeps its original image too.",
                    },
                  ]}
                  selected={[draft.writeMode]}
                  onChange={(selected) => set("writeMode")(selected[0] ?? "replace")}
                  error={errors.writeMode}
                />
                <Checkbox
                  label="Approve results automatically"
                  helpText="Results are written to your store without waiting for your review."
                  checked={draft.autoApprove === "true"}
                  onChange={(checked) => set("autoApprove")(String(checked))}
                  error={errors.autoApprove}
                />
                <Checkbox
                  label="Write alt text for results"
                  helpText="Describes each result for shoppers who use screen readers, and for search."
                  checked={draft.altText === "true"}
                  onChange={(checked) => set("altText")(String(checked))}
                  error={errors.altText}
                />
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>

          <Layout.AnnotatedSection
            id="automation"
            title="Automation"
            description="New products are processed as they arrive, without starting a job yourself."
          >
            <Card>
              <FormLayout>
                <Checkbox
                  label="Process new products automatically"
                  helpText="When a product is created or gets new images, Photo Studio processes only those new images. Each image uses credits, as in a job you start; without enough credits the job stops and you are notified."
                  checked={draft.autoProcess === "true"}
                  onChange={(checked) => set("autoProcess")(String(checked))}
                  error={errors.autoProcess}
                />
                <Select
                  label="Recipe for new products"
                  name="autoProcessRecipeId"
                  options={[
                    { value: "", label: "My defaults (New jobs, above)" },
                    ...recipes.map((recipe) => ({ value: recipe.value, label: recipe.label })),
                  ]}
                  value={draft.autoProcessRecipeId}
                  onChange={set("autoProcessRecipeId")}
                  error={errors.autoProcessRecipeId}
                  disabled={draft.autoProcess !== "true"}
                  helpText="A saved recipe's own auto-approve setting decides whether results are written at once or wait for your review."
                />
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>

          <Layout.AnnotatedSection
            id="notifications"
            title="Notifications"
            description="When a long or automatic job finishes, fails or is ready for review. You also see it the next time you open Photo Studio."
          >
            <Card>
              <FormLayout>
                <TextField
                  label="Email address"
                  name="notifyEmail"
                  type="email"
                  autoComplete="email"
                  value={draft.notifyEmail}
                  onChange={set("notifyEmail")}
                  error={errors.notifyEmail}
                  disabled={!emailAvailable}
                  helpText={
                    emailAvailable
                      ? "Leave empty to get no email."
                      : "Email is not available: this Photo Studio server has no email service set up."
                  }
                />
                <TextField
                  label="Chat webhook URL"
                  name="notifyWebhookUrl"
                  type="url"
                  autoComplete="off"
                  value={draft.notifyWebhookUrl}
                  onChange={set("notifyWebhookUrl")}
                  error={errors.notifyWebhookUrl}
                  helpText='An https:// incoming webhook (Slack, or any tool that accepts {"text": ...}). Leave empty to post nowhere.'
                />
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>

          <Layout.AnnotatedSection
            id="retention"
            title="How long files are kept"
            description="Within the limits the app's operator sets."
          >
            <Card>
              <FormLayout>
                <TextField
                  label="Source images and rejected results (days)"
                  name="retentionDays"
                  type="number"
                  min={sources.min}
                  max={sources.max}
                  autoComplete="off"
                  value={draft.retentionDays}
                  onChange={set("retentionDays")}
                  error={errors.retentionDays}
                  helpText={`${sources.min} to ${sources.max} days. Restoring an original needs its source image.`}
                />
                <TextField
                  label="Approved results (days)"
                  name="resultRetentionDays"
                  type="number"
                  min={results.min}
                  max={results.max}
                  autoComplete="off"
                  value={draft.resultRetentionDays}
                  onChange={set("resultRetentionDays")}
                  error={errors.resultRetentionDays}
                  helpText={`${results.min} to ${results.max} days.`}
                />
              </FormLayout>
            </Card>
          </Layout.AnnotatedSection>

          <Layout.AnnotatedSection
            id="processing"
            title="Image processing"
            description="Who runs background removal, upscaling, scenes, the eraser and alt text."
          >
            <Card>
              {canChoose ? (
                <Select
                  label="Process my images with"
                  name="aiProvider"
                  options={providers.choices.map((choice) => ({
                    value: choice,
                    label: PROVIDER_NAMES[choice],
                  }))}
                  value={draft.aiProvider}
                  onChange={set("aiProvider")}
                  error={errors.aiProvider}
                />
              ) : (
                <Text as="p">
                  Your images are processed by {PROVIDER_NAMES[providers.operator]}.
                </Text>
              )}
            </Card>
          </Layout.AnnotatedSection>

          <Layout.Section>
            <Box paddingBlockEnd="400">
              <InlineStack align="space-between" blockAlign="center" gap="200">
                <Text as="p" tone="subdued">
                  What Photo Studio stores, where, for how long, and who sees your images:{" "}
                  <Link url="/app/privacy">privacy</Link>.
                </Text>
                <Button submit variant="primary" disabled={!dirty} loading={saving}>
                  Save
                </Button>
              </InlineStack>
            </Box>
          </Layout.Section>
        </Layout>
      </fetcher.Form>
    </Page>
  );
}

function ColourSwatch({ colour }: { colour: string }) {
  const valid = /^#[0-9a-f]{6}$/i.test(colour);
  return (
    <span
      aria-hidden="true"
      style={{
        display: "inline-block",
        width: "1rem",
        height: "1rem",
        borderRadius: "0.25rem",
        border: "1px solid var(--p-color-border)",
        background: valid ? colour : "transparent",
        verticalAlign: "middle",
      }}
    />
  );
}

function SettingsSkeleton() {
  return (
    <SkeletonPage title="Settings" primaryAction>
      <Layout>
        {[0, 1, 2].map((section) => (
          <Layout.AnnotatedSection key={section} title={<SkeletonDisplayText size="small" />}>
            <Card>
              <BlockStack gap="400">
                <SkeletonBodyText lines={3} />
              </BlockStack>
            </Card>
          </Layout.AnnotatedSection>
        ))}
      </Layout>
    </SkeletonPage>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  // Thrown responses are Shopify's auth answers (leaving the iframe to re-authenticate): its own
  // boundary renders them. Only real failures get the page below.
  if (isRouteErrorResponse(error)) return boundary.error(error);
  return (
    <Page title="Settings">
      <Banner tone="critical" title="Settings could not be loaded">
        <p>
          Something went wrong on Photo Studio&apos;s side. Reload the page; if it keeps happening,
          try again in a few minutes. <RemixLink to="/app">Back to Photo Studio</RemixLink>
        </p>
      </Banner>
    </Page>
  );
}
