/**
 * The Admin GraphQL endpoint: parses and validates against Shopify's real schema, prices the query,
 * charges the app's bucket, executes with the dev store's resolvers, and answers with Shopify's
 * `extensions.cost` block. Anything the schema allows but the dev store has not implemented fails
 * with an error that says so, never with invented data.
 */
import {
  execute,
  type GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";

import { UserFacingError } from "./connection.ts";
import { AccessDeniedError, type ResolverContext, type ResolverModule } from "./context.ts";
import { MUTATION_COST, selectionCost } from "./cost.ts";
import type { CostBuckets } from "./throttle.ts";

/** Shopify refuses any single query whose requested cost is above this. */
export const SINGLE_QUERY_MAX_COST = 1000;

export interface GraphqlRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface GraphqlResponse {
  data?: unknown;
  errors?: unknown[];
  extensions?: unknown;
}

class NotImplementedError extends Error {
  readonly code = "NOT_IMPLEMENTED_IN_DEV_STORE";
}

/** Property access, calling functions with (args, context), as graphql-js does by default, but
 * refusing to answer `null` for a field nobody implemented. */
const fieldResolver: GraphQLFieldResolver<unknown, ResolverContext> = (
  source,
  args,
  context,
  info,
) => {
  if (source === null || typeof source !== "object") return null;
  const value = (source as Record<string, unknown>)[info.fieldName];
  if (value === undefined) {
    throw new NotImplementedError(
      `The dev store does not implement ${info.parentType.name}.${info.fieldName}`,
    );
  }
  return typeof value === "function"
    ? (value as (a: unknown, c: unknown) => unknown)(args, context)
    : value;
};

function shopifyErrorCode(error: GraphQLError): string | undefined {
  const original = error.originalError as { code?: string } | undefined;
  if (original instanceof UserFacingError || original instanceof AccessDeniedError)
    return original.code;
  if (original instanceof NotImplementedError) return original.code;
  return undefined;
}

function formatError(error: GraphQLError) {
  const formatted = error.toJSON() as { message: string; extensions?: Record<string, unknown> };
  const code = shopifyErrorCode(error);
  if (code) formatted.extensions = { ...formatted.extensions, code };
  return formatted;
}

/** A document's fragment definitions by name. */
export function fragmentMap(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  return Object.fromEntries(
    document.definitions
      .filter(
        (definition): definition is FragmentDefinitionNode =>
          definition.kind === Kind.FRAGMENT_DEFINITION,
      )
      .map((fragment) => [fragment.name.value, fragment]),
  );
}

type Prepared = { document: DocumentNode } | { errors: GraphqlResponse["errors"] };

const PREPARED_DOCUMENTS = 500;

function parseAndValidate(schema: GraphQLSchema, text: string): Prepared {
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch (error) {
    return {
      errors: [{ ...(error as GraphQLError).toJSON(), extensions: { code: "parseError" } }],
    };
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    return {
      errors: validationErrors.map((error) => ({
        ...error.toJSON(),
        extensions: { code: "undefinedField" },
      })),
    };
  }
  return { document };
}

export function createAdminGraphql(options: {
  schema: GraphQLSchema;
  modules: ResolverModule[];
  buckets: CostBuckets;
}) {
  const query = Object.assign({}, ...options.modules.map((module) => module.query ?? {}));
  const mutation = Object.assign({}, ...options.modules.map((module) => module.mutation ?? {}));
  // An app sends the same few documents again and again, and validating one against the Admin
  // schema cost more than running it: each text is parsed and validated once (a bounded cache;
  // graphql-js never changes a document it executes).
  const preparedByText = new Map<string, Prepared>();
  const prepare = (text: string): Prepared => {
    const known = preparedByText.get(text);
    if (known) return known;
    const made = parseAndValidate(options.schema, text);
    if (preparedByText.size >= PREPARED_DOCUMENTS) {
      preparedByText.delete(preparedByText.keys().next().value!);
    }
    preparedByText.set(text, made);
    return made;
  };

  return async function handle(
    body: GraphqlRequestBody,
    context: ResolverContext,
  ): Promise<GraphqlResponse> {
    if (typeof body.query !== "string" || body.query.trim() === "") {
      return {
        errors: [{ message: "Parameter Missing or Invalid", extensions: { code: "BAD_REQUEST" } }],
      };
    }
    const prepared = prepare(body.query);
    if ("errors" in prepared) return { errors: prepared.errors };
    const { document } = prepared;

    const variables = (body.variables ?? {}) as Record<string, unknown>;
    const operationName = typeof body.operationName === "string" ? body.operationName : undefined;
    const operation = document.definitions.find(
      (definition): definition is OperationDefinitionNode =>
        definition.kind === Kind.OPERATION_DEFINITION &&
        (!operationName || definition.name?.value === operationName),
    );
    if (!operation) return { errors: [{ message: `Unknown operation named "${operationName}".` }] };

    const fragments = fragmentMap(document);
    const costInput = { schema: options.schema, fragments, variables };
    const isMutation = operation.operation === "mutation";
    const rootType = isMutation
      ? options.schema.getMutationType()!
      : options.schema.getQueryType()!;
    const requested = isMutation
      ? MUTATION_COST * operation.selectionSet.selections.length
      : selectionCost(costInput, rootType, operation.selectionSet);

    const bucketKey = `${context.shop.domain}:${context.clientId}`;
    if (requested > SINGLE_QUERY_MAX_COST) {
      return {
        errors: [
          {
            message: `Query cost is ${requested}, which exceeds the single query max cost limit (${SINGLE_QUERY_MAX_COST}).

See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the
cost of a query is calculated.

To query larger amounts of data with fewer limits, bulk operations should be used instead.
See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.
`,
            extensions: {
              code: "MAX_COST_EXCEEDED",
              cost: requested,
              maxCost: SINGLE_QUERY_MAX_COST,
            },
          },
        ],
      };
    }
    const charge = options.buckets.take(bucketKey, context.shop.plan, requested);
    if (!charge.ok) {
      return {
        errors: [
          {
            message: "Throttled",
            extensions: {
              code: "THROTTLED",
              documentation: "https://shopify.dev/api/usage/rate-limits",
            },
          },
        ],
        extensions: {
          cost: {
            requestedQueryCost: requested,
            actualQueryCost: null,
            throttleStatus: charge.status,
          },
        },
      };
    }

    const result = await execute({
      schema: options.schema,
      document,
      rootValue: isMutation ? mutation : query,
      contextValue: context,
      variableValues: variables,
      operationName,
      fieldResolver,
    });

    const actual = isMutation
      ? requested
      : Math.min(
          requested,
          selectionCost(costInput, rootType, operation.selectionSet, result.data ?? null, true),
        );
    const throttleStatus = options.buckets.refund(bucketKey, context.shop.plan, requested - actual);
    context.store.changed();
    return {
      ...(result.data !== undefined ? { data: result.data } : {}),
      ...(result.errors?.length ? { errors: result.errors.map(formatError) } : {}),
      extensions: {
        cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus },
      },
    };
  };
}
