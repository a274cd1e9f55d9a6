import {
  BlockStack,
  Button,
  Card,
  InlineStack,
  Modal,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";

export interface SavedRecipeOption {
  id: string;
  name: string;
  summary: string | null;
}

interface Props {
  recipes: SavedRecipeOption[];
  selectedId: string;
  onSelect: (id: string) => void;
  onSave: (name: string) => void;
  onDelete: (id: string) => void;
  saving: boolean;
  /** The server's answer to the last save, when it refused the name. */
  nameError?: string;
}

/** Pick a saved recipe to fill the form, save the form as one, or delete one. */
export function SavedRecipes({
  recipes,
  selectedId,
  onSelect,
  onSave,
  onDelete,
  saving,
  nameError,
}: Props) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const selected = recipes.find((recipe) => recipe.id === selectedId);

  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Saved recipes
        </Text>
        {recipes.length > 0 ? (
          <Select
            label="Use a saved recipe"
            placeholder="Choose a saved recipe"
            options={recipes.map((recipe) => ({
              label: recipe.summary ? recipe.name : `${recipe.name} (no longer valid)`,
              value: recipe.id,
              disabled: !recipe.summary,
            }))}
            value={selectedId}
            onChange={onSelect}
            helpText={selected?.summary ?? undefined}
          />
        ) : (
          <Text as="p" tone="subdued">
            Save this recipe to use it again, here or from the bulk action on your product list.
          </Text>
        )}
        <InlineStack gap="200">
          <Button onClick={() => setOpen(true)}>Save as recipe</Button>
          {selected ? (
            <Button tone="critical" variant="plain" onClick={() => onDelete(selected.id)}>
              {`Delete “${selected.name}”`}
            </Button>
          ) : null}
        </InlineStack>
      </BlockStack>
      <Modal
        open={open}
        onClose={() => setOpen(false)}
        title="Save as recipe"
        primaryAction={{
          content: "Save",
          loading: saving,
          onAction: () => {
            onSave(name);
            setOpen(false);
          },
        }}
        secondaryActions={[{ content: "Cancel", onAction: () => setOpen(false) }]}
      >
        <Modal.Section>
          <TextField
            label="Recipe name"
            autoComplete="off"
            value={name}
            onChange={setName}
            placeholder="My Amazon recipe"
            maxLength={60}
            error={nameError}
          />
        </Modal.Section>
      </Modal>
      {nameError && !open ? (
        <Text as="p" tone="critical">
          {nameError}
        </Text>
      ) : null}
    </Card>
  );
}
