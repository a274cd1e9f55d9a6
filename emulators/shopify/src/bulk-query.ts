/**
 * The query of a bulk operation: checked against Shopify's rules for bulk queries, and the plan
 * for writing its results as JSONL, both read from the query's AST with the Admin schema.
 * https://shopify.dev/docs/api/usage/bulk-operations/queries
 *
 * Rules (messages as Shopify words them): one operation, a query; no top-level `node`/`nodes`;
 * at least one and at most five connections, nested at most two levels below the top one;
 * connections select `edges { node { … } }`, not `nodes`; a node with a nested connection
 * selects its `id` (the children's `__parentId`); no connection inside a list.
 *
 * JSONL: one line per connection node; a nested connection's nodes are lines of their own with
 * `__parentId` (the id of the node they belong to), written right after their parent; other
 * nested objects stay inline.
 */
import {
  getNamedType,
  getNullableType,
  getVariableValues,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

import { fragmentMap } from "./admin-graphql.ts";

export const MAX_BULK_CONNECTIONS = 5;
/** Nesting below the top-level connection (products → variants → … is depth 2). */
export const MAX_BULK_CONNECTION_DEPTH = 2;

export interface BulkQueryError {
  field: string[] | null;
  message: string;
  code: "INVALID";
}

/** Where each response key of a selection goes: inline, or (a connection) lines of their own. */
export interface SelectionPlan {
  fields: Map<string, FieldPlan>;
}

export interface FieldPlan {
  /** For a connection field: the plan of its nodes. */
  connection: SelectionPlan | null;
  /** For an object field written inline: the plan of its fields. */
  children: SelectionPlan | null;
}

export interface BulkQuery {
  document: DocumentNode;
  operationName: string | undefined;
  /** Response key of the single top-level field. */
  rootKey: string;
  root: FieldPlan;
}

/** A named object type that follows the Relay connection shape. */
export function isConnectionType(type: GraphQLOutputType): boolean {
  const named = getNamedType(type);
  return isObjectType(named) && named.name.endsWith("Connection") && "edges" in named.getFields();
}

const invalid = (message: string): BulkQueryError => ({
  field: ["query"],
  message,
  code: "INVALID",
});

/** Shopify words graphql's most common complaint its own way. */
function shopifyValidationMessage(message: string): string {
  const undefinedField = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(message);
  return undefinedField
    ? `Field '${undefinedField[1]}' doesn't exist on type '${undefinedField[2]}'`
    : message
        .replace(/^Syntax Error: Unexpected <EOF>\.$/, "syntax error, unexpected end of file")
        .replace(/^Syntax Error: /, "syntax error, ");
}

interface Analysis {
  connections: number;
  maxDepth: number;
  viaNodes: string[];
  withoutId: string[];
  withinList: boolean;
}

interface CollectedField {
  node: FieldNode;
  parentType: GraphQLCompositeType;
}

class Analyzer {
  readonly analysis: Analysis = {
    connections: 0,
    maxDepth: -1,
    viaNodes: [],
    withoutId: [],
    withinList: false,
  };
  private schema: GraphQLSchema;
  private fragments: Record<string, FragmentDefinitionNode>;

  constructor(schema: GraphQLSchema, fragments: Record<string, FragmentDefinitionNode>) {
    this.schema = schema;
    this.fragments = fragments;
  }

  /** The fields of a selection set, through inline fragments and fragment spreads. */
  collect(selectionSet: SelectionSetNode, parentType: GraphQLCompositeType): CollectedField[] {
    return selectionSet.selections.flatMap((selection): CollectedField[] => {
      if (selection.kind === Kind.FIELD) return [{ node: selection, parentType }];
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT ? selection : this.fragments[selection.name.value];
      if (!fragment) return [];
      const condition = fragment.typeCondition
        ? (this.schema.getType(fragment.typeCondition.name.value) as GraphQLCompositeType)
        : parentType;
      return this.collect(fragment.selectionSet, condition);
    });
  }

  selection(
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    depth: number,
    insideList: boolean,
    plan: SelectionPlan,
  ) {
    for (const { node, parentType } of this.collect(selectionSet, type)) {
      const key = node.alias?.value ?? node.name.value;
      const field =
        isObjectType(parentType) || isInterfaceType(parentType)
          ? parentType.getFields()[node.name.value]
          : undefined;
      if (!field || !node.selectionSet) {
        if (!plan.fields.has(key)) plan.fields.set(key, { connection: null, children: null });
        continue;
      }
      const entry = plan.fields.get(key) ?? { connection: null, children: null };
      plan.fields.set(key, entry);
      if (isConnectionType(field.type)) {
        entry.connection ??= { fields: new Map() };
        this.connection(node, field.type, depth + 1, insideList, entry.connection);
      } else {
        entry.children ??= { fields: new Map() };
        const isList = isListType(getNullableType(field.type));
        const named = getNamedType(field.type) as GraphQLCompositeType;
        this.selection(node.selectionSet, named, depth, insideList || isList, entry.children);
      }
    }
  }

  private connection(
    node: FieldNode,
    type: GraphQLOutputType,
    depth: number,
    insideList: boolean,
    nodePlan: SelectionPlan,
  ) {
    const name = node.name.value;
    this.analysis.connections += 1;
    this.analysis.maxDepth = Math.max(this.analysis.maxDepth, depth);
    if (insideList) this.analysis.withinList = true;
    const connectionType = getNamedType(type) as GraphQLObjectType;
    const edgeType = getNamedType(connectionType.getFields().edges!.type) as GraphQLObjectType;
    const nodeType = getNamedType(edgeType.getFields().node!.type) as GraphQLCompositeType;
    let viaEdges = false;
    for (const child of this.collect(node.selectionSet!, connectionType)) {
      if (child.node.name.value === "nodes") addOnce(this.analysis.viaNodes, name);
      if (child.node.name.value !== "edges" || !child.node.selectionSet) continue;
      for (const edgeField of this.collect(child.node.selectionSet, edgeType)) {
        if (edgeField.node.name.value !== "node" || !edgeField.node.selectionSet) continue;
        viaEdges = true;
        this.selection(edgeField.node.selectionSet, nodeType, depth, false, nodePlan);
        if (containsConnection(nodePlan) && !this.selectsId(edgeField.node.selectionSet, nodeType))
          addOnce(this.analysis.withoutId, name);
      }
    }
    if (!viaEdges) addOnce(this.analysis.viaNodes, name);
  }

  private selectsId(selectionSet: SelectionSetNode, type: GraphQLCompositeType): boolean {
    return this.collect(selectionSet, type).some(
      ({ node }) => node.name.value === "id" && !node.alias,
    );
  }
}

function addOnce(list: string[], value: string) {
  if (!list.includes(value)) list.push(value);
}

function containsConnection(plan: SelectionPlan): boolean {
  return [...plan.fields.values()].some(
    (entry) => entry.connection !== null || (entry.children && containsConnection(entry.children)),
  );
}

/** Parses and checks a bulk query; the plan to run it, or Shopify's userErrors. */
export function analyzeBulkQuery(
  schema: GraphQLSchema,
  query: string,
): { query: BulkQuery; errors?: never } | { errors: BulkQueryError[]; query?: never } {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return {
      errors: [
        invalid(
          `Invalid bulk query: ${shopifyValidationMessage(String((error as Error).message))}`,
        ),
      ],
    };
  }
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operations.some((operation) => operation.operation !== "query")) {
    return { errors: [invalid("Invalid operation type. Only `query` operations are supported.")] };
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    return {
      errors: validationErrors.map((error) =>
        invalid(`Invalid bulk query: ${shopifyValidationMessage(error.message)}`),
      ),
    };
  }
  const operation = operations[0]!;
  // The query runs without variables: a required one can never be given.
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], {});
  if (variables.errors) {
    return {
      errors: variables.errors.map((error) => invalid(`Invalid bulk query: ${error.message}`)),
    };
  }

  const fragments = fragmentMap(document);
  const analyzer = new Analyzer(schema, fragments);
  const queryType = schema.getQueryType()!;
  const rootFields = analyzer.collect(operation.selectionSet, queryType);
  const plan: SelectionPlan = { fields: new Map() };
  analyzer.selection(operation.selectionSet, queryType, -1, false, plan);
  const { analysis } = analyzer;

  const errors: BulkQueryError[] = [];
  if (analysis.viaNodes.length > 0) {
    errors.push(
      invalid(
        `All connection fields in a bulk query must select their contents using 'edges' > 'node', e.g: '${analysis.viaNodes[0]} { edges { node {'. Selecting via 'nodes' is not supported. Invalid connection fields: ${analysis.viaNodes.map((name) => `'${name}'`).join(", ")}.`,
      ),
    );
  }
  for (const name of ["node", "nodes"]) {
    if (rootFields.some(({ node }) => node.name.value === name))
      errors.push(invalid(`Bulk queries cannot contain a top level \`${name}\` field.`));
  }
  const rootKeys = new Set(rootFields.map(({ node }) => node.alias?.value ?? node.name.value));
  if (rootKeys.size > 1) {
    errors.push(invalid("Bulk queries can only contain a single top level field."));
  }
  if (analysis.maxDepth > MAX_BULK_CONNECTION_DEPTH) {
    errors.push(
      invalid(
        `Bulk queries cannot contain connections with a nesting depth greater than ${MAX_BULK_CONNECTION_DEPTH}.`,
      ),
    );
  }
  if (analysis.connections > MAX_BULK_CONNECTIONS) {
    errors.push(
      invalid(`Bulk queries cannot contain more than ${MAX_BULK_CONNECTIONS} connections.`),
    );
  }
  if (analysis.withoutId.length > 0) {
    errors.push(
      invalid(
        `The parent 'node' field for a nested connection must select the 'id' field without an alias and must be of 'ID' return type. Connection fields without 'id': ${analysis.withoutId.join(", ")}.`,
      ),
    );
  }
  if (analysis.withinList) {
    errors.push(
      invalid(
        "Queries that contain a connection field within a list field are not currently supported.",
      ),
    );
  }
  if (analysis.connections === 0) {
    errors.push(invalid("Bulk queries must contain at least one connection."));
  }
  if (errors.length > 0) return { errors };

  const [rootKey, root] = [...plan.fields][0]!;
  return {
    query: { document, operationName: operation.name?.value, rootKey, root },
  };
}

type Json = Record<string, unknown>;

/**
 * The JSONL lines of one page of results: the value of the top-level field (a connection, or an
 * object holding connections). Returns how many root objects it held.
 */
export function writeJsonl(value: unknown, root: FieldPlan, out: string[]): number {
  if (value === null || typeof value !== "object") return 0;
  if (root.connection) {
    const nodes = edgeNodes(value);
    for (const node of nodes) writeNode(node, root.connection, null, out);
    return nodes.length;
  }
  writeNode(value as Json, root.children ?? { fields: new Map() }, null, out);
  return 1;
}

function edgeNodes(connection: unknown): Json[] {
  const edges = (connection as { edges?: Array<{ node?: unknown }> } | null)?.edges ?? [];
  return edges
    .map((edge) => edge?.node)
    .filter((node): node is Json => node !== null && typeof node === "object");
}

interface NestedConnection {
  value: unknown;
  plan: SelectionPlan;
}

function writeNode(node: Json, plan: SelectionPlan, parentId: string | null, out: string[]) {
  const nested: NestedConnection[] = [];
  const line = inline(node, plan, nested);
  if (parentId !== null) line.__parentId = parentId;
  out.push(JSON.stringify(line));
  const id = typeof node.id === "string" ? node.id : parentId;
  for (const connection of nested) {
    for (const child of edgeNodes(connection.value)) writeNode(child, connection.plan, id, out);
  }
}

/** The node's fields for its own line: nested objects inline, connections set aside. */
function inline(value: Json, plan: SelectionPlan, nested: NestedConnection[]): Json {
  const line: Json = {};
  for (const [key, fieldValue] of Object.entries(value)) {
    const entry = plan.fields.get(key);
    if (entry?.connection) {
      nested.push({ value: fieldValue, plan: entry.connection });
    } else if (
      entry?.children &&
      fieldValue &&
      typeof fieldValue === "object" &&
      !Array.isArray(fieldValue)
    ) {
      line[key] = inline(fieldValue as Json, entry.children, nested);
    } else {
      line[key] = fieldValue;
    }
  }
  return line;
}
