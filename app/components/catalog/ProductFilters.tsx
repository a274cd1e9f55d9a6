import { ChoiceList, Filters, TextField, type AppliedFilterInterface } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";

/** The Products page's filters as they appear in its URL. */
export interface FilterValues {
  q: string;
  type: string;
  vendor: string;
  status: string;
  images: string[];
}

export const IMAGE_FILTER_LABELS: Record<string, string> = {
  "no-white": "Has no white-background image",
  small: "Has images under 1000 px",
};

const STATUS_LABELS: Record<string, string> = {
  active: "Active",
  draft: "Draft",
  archived: "Archived",
};

interface Props {
  values: FilterValues;
  /** The shop's vendors and types for choices; null when Shopify did not list them. */
  facets: { vendors: string[]; productTypes: string[] } | null;
  loading: boolean;
  onChange: (values: FilterValues) => void;
}

/**
 * Search and filters above the product table (Polaris Filters). Typing is debounced; a choice
 * applies at once. Vendor and type offer the shop's own values, or a text field when the list is
 * not available.
 */
export function ProductFilters({ values, facets, loading, onChange }: Props) {
  const [query, setQuery] = useState(values.q);
  const latest = useRef(values);
  latest.current = values;

  useEffect(() => setQuery(values.q), [values.q]);

  useEffect(() => {
    if (query === latest.current.q) return;
    const timer = setTimeout(() => onChange({ ...latest.current, q: query }), 400);
    return () => clearTimeout(timer);
  }, [query, onChange]);

  const set = (patch: Partial<FilterValues>) => onChange({ ...values, ...patch });

  const choiceOrText = (key: "type" | "vendor", label: string, options: string[] | undefined) =>
    options && options.length > 0 ? (
      <ChoiceList
        title={label}
        titleHidden
        choices={options.map((option) => ({ label: option, value: option }))}
        selected={values[key] ? [values[key]] : []}
        onChange={(selected) => set({ [key]: selected[0] ?? "" })}
      />
    ) : (
      <TextField
        label={label}
        labelHidden
        autoComplete="off"
        value={values[key]}
        onChange={(value) => set({ [key]: value })}
      />
    );

  const filters = [
    {
      key: "type",
      label: "Product type",
      filter: choiceOrText("type", "Product type", facets?.productTypes),
      pinned: true,
    },
    {
      key: "vendor",
      label: "Vendor",
      filter: choiceOrText("vendor", "Vendor", facets?.vendors),
      pinned: true,
    },
    {
      key: "status",
      label: "Status",
      filter: (
        <ChoiceList
          title="Status"
          titleHidden
          choices={Object.entries(STATUS_LABELS).map(([value, label]) => ({ label, value }))}
          selected={values.status ? [values.status] : []}
          onChange={(selected) => set({ status: selected[0] ?? "" })}
        />
      ),
      pinned: true,
    },
    {
      key: "images",
      label: "Images",
      filter: (
        <ChoiceList
          title="Images"
          titleHidden
          allowMultiple
          choices={Object.entries(IMAGE_FILTER_LABELS).map(([value, label]) => ({ label, value }))}
          selected={values.images}
          onChange={(selected) => set({ images: selected })}
        />
      ),
      pinned: true,
    },
  ];

  const applied: AppliedFilterInterface[] = [];
  if (values.type) {
    applied.push({
      key: "type",
      label: `Type: ${values.type}`,
      onRemove: () => set({ type: "" }),
    });
  }
  if (values.vendor) {
    applied.push({
      key: "vendor",
      label: `Vendor: ${values.vendor}`,
      onRemove: () => set({ vendor: "" }),
    });
  }
  if (values.status) {
    applied.push({
      key: "status",
      label: `Status: ${STATUS_LABELS[values.status] ?? values.status}`,
      onRemove: () => set({ status: "" }),
    });
  }
  if (values.images.length > 0) {
    applied.push({
      key: "images",
      label: values.images.map((value) => IMAGE_FILTER_LABELS[value] ?? value).join(", "),
      onRemove: () => set({ images: [] }),
    });
  }

  return (
    <Filters
      queryValue={query}
      queryPlaceholder="Search products"
      filters={filters}
      appliedFilters={applied}
      loading={loading}
      onQueryChange={setQuery}
      onQueryClear={() => {
        setQuery("");
        set({ q: "" });
      }}
      onClearAll={() => {
        setQuery("");
        onChange({ q: "", type: "", vendor: "", status: "", images: [] });
      }}
    />
  );
}
