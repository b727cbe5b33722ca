import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The limits every operation must stay within. Generous for the UI's real queries. */
export const GRAPHQL_LIMITS = {
  // Our object graph is shallow (project → run → stages); depth matters for introspection's
  // self-referencing `ofType` chains, so it counts them, leaving room for the standard
  // introspection query GraphiQL and codegen send (depth 21).
  maxDepth: 25,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 20,
  // Cost multiplies by `first`: a page of 1,000 line items costs ~21,000 and 200 projects with
  // their latest run ~6,200, while 200 projects × 1,000 line items each (1.5 million) is refused.
  maxCost: 50_000,
} as const;

/**
 * Depth, aliases, tokens, directives and cost are checked before execution
 * (graphql-armor); introspection can be turned off for production, and then field
 * suggestions ("did you mean …") are off too, since they leak the schema as well.
 */
export function graphqlLimits({ introspection }: { introspection: boolean }): Plugin[] {
  const armor = EnvelopArmorPlugin({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: false },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
    maxTokens: { n: GRAPHQL_LIMITS.maxTokens },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: !introspection },
  }) as Plugin;
  const plugins: Plugin[] = [armor];
  if (!introspection) {
    plugins.push({
      onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
    });
  }
  return plugins;
}
