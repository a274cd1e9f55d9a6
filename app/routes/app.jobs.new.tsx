import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import {
  Link as RemixLink,
  useActionData,
  useFetcher,
  useLoaderData,
  useNavigation,
  useSubmit,
} from "@remix-run/react";
import { TitleBar, useAppBridge } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Box,
  Button,
  Card,
  EmptyState,
  InlineStack,
  Layout,
  Page,
  SkeletonBodyText,
  SkeletonDisplayText,
  SkeletonPage,
  Text,
} from "@shopify/polaris";
import { useEffect, useMemo, useState } from "react";

import { SCENE_VERTICALS } from "~/ai/scene/templates";
import { recipeCreditCost } from "~/billing/costs";
import { creditSummary } from "~/billing/ledger.server";
import { EMPTY_ILLUSTRATION } from "~/components/catalog/empty-illustration";
import { ProductThumbnail } from "~/components/catalog/ProductThumbnail";
import { CostPreview, estimatedTotal } from "~/components/recipe/CostPreview";
import {
  recipeFromState,
  stateFromRecipe,
  stateToFormData,
  type RecipeFormState,
} from "~/components/recipe/form-state";
import { RecipeFields, type PresetOption } from "~/components/recipe/RecipeFields";
import { SavedRecipes } from "~/components/recipe/SavedRecipes";
import { SolutionPicker } from "~/components/recipe/SolutionPicker";
import db from "~/db.server";
import { listPresets } from "~/images/presets";
import { recipeSchema } from "~/jobs/recipe";
import { jobRuntime } from "~/jobs/runtime.server";
import { notEnoughCredits } from "~/recipes/credit-messages";
import {
  deleteRecipeFromForm,
  saveRecipeFromForm,
  savedRecipeView,
  startJobFromForm,
} from "~/recipes/new-job-actions.server";
import { selectionFrom, SelectionError, summarizeSelection } from "~/recipes/new-job.server";
import { getSavedRecipe, listSavedRecipes, SavedRecipeError } from "~/recipes/saved-recipes.server";
import { sceneTemplateCards } from "~/recipes/scene-previews.server";
import { FEATURED_SOLUTIONS, findSolution } from "~/recipes/solutions";
import { rateLimitRefusal } from "~/security/rate-limit.server";
import { getShopSettings } from "~/settings/shop-settings.server";
import { createAdminClient, isShopifyAdminError } from "~/shopify/admin-client.server";
import { authenticate } from "~/shopify.server";

type Admin = Awaited<ReturnType<typeof authenticate.admin>>;

function browseDeps({ admin, session }: Admin) {
  return {
    db,
    admin: createAdminClient(
      session.shop,
      (document, { variables, signal }) => admin.graphql(document, { variables, signal }),
      { deadlineMs: 20_000, maxRetries: 2 },
    ),
  };
}

/** Whether a preset keeps its own background, asked of the recipe's own rules. */
function backgroundLock(preset: PresetOption["id"]): string | null {
  const check = recipeSchema.safeParse({ preset, background: { kind: "color", color: "#eeeeee" } });
  if (check.success) return null;
  return check.error.issues.find((issue) => issue.path[0] === "background")?.message ?? null;
}

export const meta: MetaFunction = () => [{ title: "New job · Photo Studio" }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const context = await authenticate.admin(request);
  const shop = context.session.shop;
  const url = new URL(request.url);

  let selection;
  try {
    selection = selectionFrom(url.searchParams);
  } catch (error) {
    if (error instanceof SelectionError) throw json({ message: error.message }, { status: 400 });
    throw error;
  }

  const recipeId = url.searchParams.get("recipe");
  // A solution named in the link (the catalog health page's fixes) fills the form; unknown: none.
  const solution = findSolution(url.searchParams.get("solution"));
  const [summary, settings, saved, credits, scenes, chosen] = await Promise.all([
    summarizeSelection(browseDeps(context), shop, selection).catch((error: unknown) => {
      if (isShopifyAdminError(error)) {
        return {
          error:
            error.code === "UNAUTHORIZED"
              ? error.message
              : "Shopify did not send the selected products just now. Reload the page in a moment.",
        };
      }
      throw error;
    }),
    getShopSettings(db, shop),
    listSavedRecipes(db, shop),
    creditSummary(db, shop),
    sceneTemplateCards(),
    recipeId
      ? getSavedRecipe(db, shop, recipeId).catch((error: unknown) => {
          // Another shop's recipe answers exactly like a missing one.
          if (error instanceof SavedRecipeError) {
            throw json({ message: error.message }, { status: 404 });
          }
          throw error;
        })
      : null,
  ]);

  return json({
    selection:
      selection.kind === "ids"
        ? { ids: selection.ids.join(","), query: null }
        : selection.kind === "query"
          ? { ids: null, query: selection.query }
          : null,
    summary: "error" in summary ? null : summary,
    summaryError: "error" in summary ? summary.error : null,
    defaults: {
      preset: settings.defaultPreset,
      backgroundKind: "preset",
      backgroundColor: settings.backgroundColor,
      sceneTemplate: scenes[0]?.id ?? "",
      scenePrompt: "",
      upscale: "none",
      altText: settings.altText,
      mode: settings.writeMode,
      position: "after-original",
      autoApprove: settings.autoApprove,
    } satisfies RecipeFormState,
    presets: listPresets().map((preset): PresetOption => ({
      id: preset.id,
      name: preset.name,
      summary: preset.summary,
      backgroundLocked: backgroundLock(preset.id),
    })),
    scenes,
    verticals: SCENE_VERTICALS,
    solutions: FEATURED_SOLUTIONS,
    chosenSolutionId: solution?.id ?? null,
    savedRecipes: saved.map(savedRecipeView),
    chosenRecipeId: chosen?.id ?? null,
    credits: { available: credits.available, planName: credits.plan.name },
  });
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const context = await authenticate.admin(request);
  const shop = context.session.shop;
  const form = await request.formData();
  switch (form.get("intent")) {
    case "start": {
      const refusal = await rateLimitRefusal(shop, "job.start");
      if (refusal) return refusal;
      const result = await startJobFromForm(
        { jobs: jobRuntime(), browse: browseDeps(context) },
        shop,
        form,
      );
      if (!result.ok) return json({ fieldErrors: result.fieldErrors }, { status: result.status });
      return redirect(`/app/jobs/${result.value.jobId}`);
    }
    case "save-recipe": {
      const result = await saveRecipeFromForm(db, shop, form);
      if (!result.ok) return json({ fieldErrors: result.fieldErrors }, { status: result.status });
      return json({ savedRecipe: result.value });
    }
    case "delete-recipe": {
      const result = await deleteRecipeFromForm(db, shop, form);
      if (!result.ok) return json({ fieldErrors: result.fieldErrors }, { status: result.status });
      return json({ deleted: result.value.id });
    }
    default:
      return json({ fieldErrors: { form: "Unknown action." } }, { status: 400 });
  }
};

type ActionData = {
  fieldErrors?: Record<string, string>;
  savedRecipe?: { id: string; name: string };
  deleted?: string;
};

function LoadingPage() {
  return (
    <SkeletonPage title="New job" primaryAction>
      <Layout>
        <Layout.Section>
          <Card>
            <SkeletonBodyText lines={6} />
          </Card>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <SkeletonDisplayText size="small" />
            <SkeletonBodyText lines={4} />
          </Card>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

export default function NewJobPage() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const recipeFetcher = useFetcher<ActionData>();
  const shopify = useAppBridge();

  const initial = useMemo(() => {
    const chosen = data.savedRecipes.find((recipe) => recipe.id === data.chosenRecipeId);
    const solution = findSolution(data.chosenSolutionId);
    if (chosen?.recipe) {
      return stateFromRecipe(chosen.recipe, chosen, data.defaults as RecipeFormState);
    }
    return solution
      ? stateFromRecipe(solution.recipe, solution, data.defaults as RecipeFormState)
      : (data.defaults as RecipeFormState);
  }, [data.savedRecipes, data.chosenRecipeId, data.chosenSolutionId, data.defaults]);
  const [state, setState] = useState<RecipeFormState>(initial);
  const [solutionId, setSolutionId] = useState(data.chosenSolutionId ?? "");
  const [savedId, setSavedId] = useState(data.chosenRecipeId ?? "");

  const fetcherData = recipeFetcher.data;
  useEffect(() => {
    if (recipeFetcher.state !== "idle" || !fetcherData) return;
    if (fetcherData.savedRecipe) {
      shopify.toast.show(`Saved “${fetcherData.savedRecipe.name}”`);
      setSavedId(fetcherData.savedRecipe.id);
    } else if (fetcherData.deleted) {
      shopify.toast.show("Recipe deleted");
      setSavedId("");
    }
  }, [recipeFetcher.state, fetcherData, shopify]);

  const cost = useMemo(() => recipeCreditCost(recipeFromState(state)), [state]);

  if (navigation.state === "loading" && navigation.location.pathname !== "/app/jobs/new") {
    return <LoadingPage />;
  }

  const errors = {
    ...(actionData?.fieldErrors ?? {}),
    ...(fetcherData?.fieldErrors ?? {}),
  };
  const summary = data.summary;
  const imageCount = summary?.imageCount ?? 0;
  const total = estimatedTotal(cost, imageCount);
  const short = total > data.credits.available;
  const starting = navigation.state === "submitting";

  const selectionFields = (): Record<string, string> =>
    data.selection?.ids ? { ids: data.selection.ids } : { query: data.selection?.query ?? "" };

  const start = () =>
    submit(
      { intent: "start", ...selectionFields(), ...stateToFormData(state) },
      { method: "post" },
    );

  const update = (patch: Partial<RecipeFormState>) =>
    setState((current) => ({ ...current, ...patch }));

  if (!data.selection) {
    return (
      <Page backAction={{ content: "Products", url: "/app/products" }}>
        <TitleBar title="New job" />
        <Card>
          <EmptyState
            heading="Choose products first"
            action={{ content: "Choose products", url: "/app/products" }}
            image={EMPTY_ILLUSTRATION}
          >
            <p>Select the products whose photos you want to edit, then create a job.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  const errorList = Object.entries(errors).filter(
    ([field]) =>
      ![
        "preset",
        "background",
        "backgroundColor",
        "sceneTemplate",
        "scenePrompt",
        "upscale",
        "mode",
        "position",
        "name",
      ].includes(field),
  );

  return (
    <Page backAction={{ content: "Products", url: "/app/products" }}>
      <TitleBar title="New job" />
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            {data.summaryError ? (
              <Banner tone="critical" title="Your selection could not be read">
                <p>{data.summaryError}</p>
              </Banner>
            ) : null}
            {errorList.length > 0 ? (
              <Banner tone="critical" title="The job was not started">
                {errorList.map(([field, message]) => (
                  <p key={field}>{message}</p>
                ))}
              </Banner>
            ) : null}
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Selected products
                </Text>
                {summary ? (
                  <>
                    <Text as="p">
                      {`${summary.productCount.toLocaleString("en-US")} ${summary.productCount === 1 ? "product" : "products"} · ${summary.exact ? "" : "about "}${summary.imageCount.toLocaleString("en-US")} ${summary.imageCount === 1 ? "image" : "images"}`}
                      {data.selection.query !== null
                        ? ` matching “${data.selection.query || "all products"}”`
                        : ""}
                    </Text>
                    <InlineStack gap="200">
                      {summary.products.slice(0, 24).map((product) => (
                        <ProductThumbnail
                          key={product.id}
                          thumbnail={product.thumbnail}
                          title={product.title}
                          size="medium"
                        />
                      ))}
                    </InlineStack>
                    {summary.productCount === 0 ? (
                      <Text as="p" tone="critical">
                        None of the selected products is in your store any more.
                      </Text>
                    ) : null}
                  </>
                ) : (
                  <SkeletonBodyText lines={2} />
                )}
                <Box>
                  <RemixLink to="/app/products">Change selection</RemixLink>
                </Box>
              </BlockStack>
            </Card>
            <SolutionPicker
              solutions={data.solutions as typeof FEATURED_SOLUTIONS}
              selectedId={solutionId}
              onSelect={(solution) => {
                setSolutionId(solution.id);
                setState((current) => stateFromRecipe(solution.recipe, solution, current));
              }}
            />
            <RecipeFields
              state={state}
              onChange={update}
              presets={data.presets}
              scenes={data.scenes}
              verticals={data.verticals}
              errors={errors}
            />
          </BlockStack>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <BlockStack gap="400">
            {short ? (
              <Banner tone="warning" title="Not enough credits">
                <p>{notEnoughCredits(total, data.credits.available, summary?.exact ?? true)}</p>
              </Banner>
            ) : null}
            <CostPreview
              cost={cost}
              imageCount={imageCount}
              exact={summary?.exact ?? true}
              available={data.credits.available}
              planName={data.credits.planName}
            />
            <Button
              variant="primary"
              size="large"
              fullWidth
              onClick={start}
              loading={starting}
              disabled={short || !summary || summary.productCount === 0}
            >
              Start job
            </Button>
            <SavedRecipes
              recipes={data.savedRecipes}
              selectedId={savedId}
              saving={recipeFetcher.state !== "idle"}
              nameError={fetcherData?.fieldErrors?.name}
              onSelect={(id) => {
                setSavedId(id);
                const recipe = data.savedRecipes.find((candidate) => candidate.id === id);
                if (recipe?.recipe)
                  setState((current) => stateFromRecipe(recipe.recipe!, recipe, current));
              }}
              onSave={(name) =>
                recipeFetcher.submit(
                  { intent: "save-recipe", name, ...stateToFormData(state) },
                  { method: "post" },
                )
              }
              onDelete={(id) =>
                recipeFetcher.submit({ intent: "delete-recipe", recipeId: id }, { method: "post" })
              }
            />
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
