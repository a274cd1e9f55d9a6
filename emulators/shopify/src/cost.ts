/**
 * Shopify's calculated query cost (https://shopify.dev/docs/api/usage/rate-limits#cost-calculation):
 * scalars and enums 0, objects (and interfaces, unions) 1, connections 2 plus the page size times
 * the cost of one node, mutations 10. The requested cost uses page sizes; the actual cost, counted
 * after execution, uses the nodes really returned.
 */
import {
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type ValueNode,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";

export const MUTATION_COST = 10;

interface CostInput {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function argument(
  node: { arguments?: readonly { name: { value: string }; value: ValueNode }[] },
  name: string,
  variables: Record<string, unknown>,
): unknown {
  const arg = node.arguments?.find((candidate) => candidate.name.value === name);
  return arg ? valueFromASTUntyped(arg.value, variables) : undefined;
}

/**
 * Cost of a selection on a type. `data` is the result at this point: absent for the requested
 * cost, present (possibly null) for the actual cost.
 */
export function selectionCost(
  input: CostInput,
  type: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  data?: unknown,
  actual = false,
): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT ? selection : input.fragments[selection.name.value];
      if (!fragment) continue;
      const condition = fragment.typeCondition
        ? (input.schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType)
        : type;
      if (
        actual &&
        data &&
        typeof data === "object" &&
        "__typename" in data &&
        fragment.typeCondition
      ) {
        // Only the fragment that matched the object costs anything.
        const typename = (data as { __typename?: string }).__typename;
        if (
          typename &&
          condition.name !== typename &&
          !isAbstractMatch(input.schema, condition, typename)
        )
          continue;
      }
      total += selectionCost(input, condition, fragment.selectionSet, data, actual);
      continue;
    }
    if (selection.name.value.startsWith("__")) continue;
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    const field = type.getFields()[selection.name.value];
    if (!field) continue;
    const named = getNamedType(field.type);
    if (!isCompositeType(named) || !selection.selectionSet) continue;
    const key = selection.alias?.value ?? selection.name.value;
    const value = actual ? (data as Record<string, unknown> | null | undefined)?.[key] : undefined;
    if (actual && (value === null || value === undefined)) continue;

    if (named.name.endsWith("Connection") && isObjectType(named)) {
      total += connectionCost(input, named, selection.selectionSet, selection, value, actual);
    } else if (Array.isArray(value)) {
      total += value.reduce(
        (sum: number, item) =>
          sum + 1 + selectionCost(input, named, selection.selectionSet!, item, actual),
        0,
      );
    } else {
      total += 1 + selectionCost(input, named, selection.selectionSet, value, actual);
    }
  }
  return total;
}

function isAbstractMatch(schema: GraphQLSchema, condition: GraphQLCompositeType, typename: string) {
  const concrete = schema.getType(typename);
  return (
    !!concrete &&
    isObjectType(concrete) &&
    !isObjectType(condition) &&
    schema.isSubType(condition as never, concrete)
  );
}

function connectionCost(
  input: CostInput,
  connectionType: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  fieldNode: Parameters<typeof argument>[0],
  value: unknown,
  actual: boolean,
): number {
  const nodeField = connectionType.getFields().nodes ?? connectionType.getFields().edges;
  if (!nodeField) return 2;
  const nodeType = getNamedType(
    connectionType.getFields().nodes?.type ??
      (getNamedType(connectionType.getFields().edges!.type) as GraphQLObjectType).getFields().node!
        .type,
  ) as GraphQLCompositeType;

  const perNode = (node: unknown) => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind !== Kind.FIELD || !selection.selectionSet) continue;
      if (selection.name.value === "nodes") {
        cost += 1 + selectionCost(input, nodeType, selection.selectionSet, node, actual);
      } else if (selection.name.value === "edges") {
        for (const edgeSelection of selection.selectionSet.selections) {
          if (
            edgeSelection.kind === Kind.FIELD &&
            edgeSelection.name.value === "node" &&
            edgeSelection.selectionSet
          ) {
            cost += 1 + selectionCost(input, nodeType, edgeSelection.selectionSet, node, actual);
          }
        }
      }
    }
    return cost;
  };

  if (!actual) {
    const size = Number(
      argument(fieldNode, "first", input.variables) ??
        argument(fieldNode, "last", input.variables) ??
        0,
    );
    return 2 + size * perNode(undefined);
  }
  const result = value as { nodes?: unknown[]; edges?: Array<{ node: unknown }> } | null;
  const nodes = result?.nodes ?? result?.edges?.map((edge) => edge.node) ?? [];
  return 2 + nodes.reduce((sum: number, node) => sum + perNode(node), 0);
}
