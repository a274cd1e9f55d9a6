import {
  BlockStack,
  Box,
  Card,
  Checkbox,
  ChoiceList,
  InlineGrid,
  InlineStack,
  RadioButton,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";

import {
  WRITE_MODE_CHOICES,
  WRITE_MODE_LABELS,
  WRITE_POSITION_LABELS,
  WRITE_POSITIONS,
} from "~/recipes/write-options";

import type { RecipeFormState } from "./form-state";

export interface PresetOption {
  id: RecipeFormState["preset"];
  name: string;
  summary: string;
  /** Why this preset keeps its own background, when it does (null: colours and scenes allowed). */
  backgroundLocked: string | null;
}

export interface SceneOption {
  id: string;
  name: string;
  description: string;
  preview: string;
  /** The library shelf it is on (SCENE_VERTICALS); scenes without one are always shown. */
  vertical?: string;
}

interface Props {
  state: RecipeFormState;
  onChange: (patch: Partial<RecipeFormState>) => void;
  presets: PresetOption[];
  scenes: SceneOption[];
  /** The template library's shelves, to browse scenes by; none: every scene at once. */
  verticals?: ReadonlyArray<{ id: string; name: string }>;
  errors: Record<string, string>;
}

const UPSCALE_LABELS = { none: "No upscale", "2": "2× upscale", "4": "4× upscale" } as const;

/** The recipe's choices: preset, background, upscale, alt text, and how results are written. */
export function RecipeFields({ state, onChange, presets, scenes, verticals, errors }: Props) {
  const preset = presets.find((option) => option.id === state.preset);
  const locked = preset?.backgroundLocked ?? null;
  const [shelf, setShelf] = useState(
    () =>
      scenes.find((scene) => scene.id === state.sceneTemplate)?.vertical ??
      verticals?.[0]?.id ??
      "",
  );
  const shownScenes =
    verticals && verticals.length > 0
      ? scenes.filter((scene) => !scene.vertical || scene.vertical === shelf)
      : scenes;

  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Marketplace preset
          </Text>
          <Select
            label="Preset"
            name="preset"
            options={presets.map((option) => ({ label: option.name, value: option.id }))}
            value={state.preset}
            onChange={(value) => {
              const next = presets.find((option) => option.id === value);
              onChange({
                preset: value as RecipeFormState["preset"],
                // A preset that keeps its own background cannot carry a colour or a scene over.
                ...(next?.backgroundLocked ? { backgroundKind: "preset" as const } : {}),
              });
            }}
            helpText={preset?.summary}
            error={errors.preset}
          />
        </BlockStack>
      </Card>

      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Background
          </Text>
          <ChoiceList
            title="Background"
            titleHidden
            name="backgroundKind"
            choices={[
              {
                label: "Standard background",
                value: "preset",
                helpText:
                  "White for marketplaces (the original background is removed); eBay keeps the photo as it is.",
              },
              { label: "A colour", value: "color", disabled: Boolean(locked) },
              { label: "A studio scene", value: "scene", disabled: Boolean(locked) },
            ]}
            selected={[state.backgroundKind]}
            onChange={(selected) =>
              onChange({ backgroundKind: selected[0] as RecipeFormState["backgroundKind"] })
            }
            error={errors.background}
          />
          {locked ? (
            <Text as="p" tone="subdued">
              {locked}
            </Text>
          ) : null}
          {state.backgroundKind === "color" ? (
            <InlineStack gap="300" blockAlign="end">
              <Box minWidth="200px">
                <TextField
                  label="Background colour"
                  name="backgroundColor"
                  autoComplete="off"
                  value={state.backgroundColor}
                  onChange={(value) => onChange({ backgroundColor: value })}
                  helpText="A hex colour, like #f5f5f5."
                  error={errors.backgroundColor}
                />
              </Box>
              <div
                aria-hidden
                style={{
                  width: 36,
                  height: 36,
                  marginBottom: errors.backgroundColor ? 44 : 24,
                  borderRadius: 8,
                  border: "1px solid var(--p-color-border)",
                  background: /^#[0-9a-f]{6}$/i.test(state.backgroundColor)
                    ? state.backgroundColor
                    : "transparent",
                }}
              />
            </InlineStack>
          ) : null}
          {state.backgroundKind === "scene" ? (
            <BlockStack gap="300">
              <fieldset style={{ border: 0, margin: 0, padding: 0 }}>
                <legend>
                  <Text as="span" variant="headingSm">
                    Scene
                  </Text>
                </legend>
                {verticals && verticals.length > 0 ? (
                  <Box paddingBlock="200">
                    <Select
                      label="Scenes for"
                      options={verticals.map((vertical) => ({
                        label: vertical.name,
                        value: vertical.id,
                      }))}
                      value={shelf}
                      onChange={setShelf}
                    />
                  </Box>
                ) : null}
                <InlineGrid columns={{ xs: 1, sm: 2, md: 4 }} gap="300">
                  {shownScenes.map((scene) => (
                    <Box
                      key={scene.id}
                      padding="200"
                      borderWidth="025"
                      borderRadius="200"
                      borderColor={state.sceneTemplate === scene.id ? "border-focus" : "border"}
                    >
                      <BlockStack gap="200">
                        <img
                          src={scene.preview}
                          alt=""
                          width={240}
                          height={180}
                          style={{ width: "100%", height: "auto", borderRadius: 6 }}
                        />
                        <RadioButton
                          id={`scene-${scene.id}`}
                          name="sceneTemplate"
                          label={scene.name}
                          helpText={scene.description}
                          checked={state.sceneTemplate === scene.id}
                          onChange={() => onChange({ sceneTemplate: scene.id })}
                        />
                      </BlockStack>
                    </Box>
                  ))}
                </InlineGrid>
              </fieldset>
              {errors.sceneTemplate ? (
                <Text as="p" tone="critical">
                  {errors.sceneTemplate}
                </Text>
              ) : null}
              <TextField
                label="Describe the scene (optional)"
                name="scenePrompt"
                autoComplete="off"
                multiline={2}
                maxLength={500}
                showCharacterCount
                value={state.scenePrompt}
                onChange={(value) => onChange({ scenePrompt: value })}
                helpText="For example: on a sunlit oak table beside a window. With a template, this refines it."
                error={errors.scenePrompt}
              />
            </BlockStack>
          ) : null}
        </BlockStack>
      </Card>

      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Enhancements
          </Text>
          <Select
            label="Upscale"
            name="upscale"
            options={(Object.keys(UPSCALE_LABELS) as Array<keyof typeof UPSCALE_LABELS>).map(
              (value) => ({ label: UPSCALE_LABELS[value], value }),
            )}
            value={state.upscale}
            onChange={(value) => onChange({ upscale: value as RecipeFormState["upscale"] })}
            helpText="Enlarges small supplier photos with AI before framing."
            error={errors.upscale}
          />
          <Checkbox
            label="Write alt text for each result"
            helpText="A short description of the product photo, for accessibility and search."
            checked={state.altText}
            onChange={(checked) => onChange({ altText: checked })}
          />
        </BlockStack>
      </Card>

      <Card>
        <BlockStack gap="300">
          <Text as="h2" variant="headingMd">
            Writing results to your store
          </Text>
          <ChoiceList
            title="What happens to the original"
            choices={WRITE_MODE_CHOICES.map((mode) => ({
              label: WRITE_MODE_LABELS[mode],
              value: mode,
            }))}
            selected={[state.mode]}
            onChange={(selected) => onChange({ mode: selected[0] as RecipeFormState["mode"] })}
            error={errors.mode}
          />
          {state.mode === "add" ? (
            <Select
              label="Position of the new image"
              options={WRITE_POSITIONS.map((position) => ({
                label: WRITE_POSITION_LABELS[position],
                value: position,
              }))}
              value={state.position}
              onChange={(value) => onChange({ position: value as RecipeFormState["position"] })}
              error={errors.position}
            />
          ) : null}
          <Checkbox
            label="Approve results automatically"
            helpText="Results are written to your products without waiting for your review."
            checked={state.autoApprove}
            onChange={(checked) => onChange({ autoApprove: checked })}
          />
        </BlockStack>
      </Card>
    </BlockStack>
  );
}
