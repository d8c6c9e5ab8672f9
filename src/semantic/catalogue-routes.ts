/**
 * `GET /v1/semantic/catalogue`: what a caller may ask `POST /v1/query`, so a client (the Explore page) offers
 * only questions the planner can answer. Derived from catalogue.ts with the planner's own rules, never a
 * second list to keep in step.
 */
import type { FastifyInstance } from 'fastify';
import { access, principalOf } from '../http/access.js';
import {
  type DimensionDef,
  dimensions,
  type MetricDef,
  metrics,
  tableDimensions,
  tables,
} from './catalogue.js';
import { filterOps } from './plan.js';

export interface CatalogueMetric {
  id: string;
  label: MetricDef['label'];
  unit: MetricDef['unit'];
  audience: MetricDef['audience'];
  description: string;
  /** Every dimension some table of the metric has: each one alone can break it down or filter it. */
  dimensions: string[];
  /**
   * The dimension sets of each table that can answer it: a combination of dimensions and filters is valid
   * when one set holds all of them (the planner answers a metric from one table).
   */
  breakdowns: string[][];
}

export interface Catalogue {
  seller_scoped: boolean;
  metrics: CatalogueMetric[];
  dimensions: DimensionDef[];
  filter_ops: readonly string[];
  grains: string[];
}

/**
 * The catalogue as one caller sees it. For a seller-scoped caller only tables with a seller column count,
 * the rule by which the planner refuses platform-wide metrics to sellers; a metric left with none is omitted.
 */
export function catalogueFor(sellerScoped: boolean): Catalogue {
  const out: CatalogueMetric[] = [];
  for (const m of metrics) {
    const breakdowns = m.sources
      .map((s) => tables[s.table])
      .filter((t) => t !== undefined && (!sellerScoped || t.seller !== undefined))
      .map((t) => tableDimensions(t!));
    if (breakdowns.length === 0) continue;
    out.push({
      id: m.id,
      label: m.label,
      unit: m.unit,
      audience: m.audience,
      description: m.description,
      dimensions: dimensions.map((d) => d.id).filter((d) => breakdowns.some((b) => b.includes(d))),
      breakdowns,
    });
  }
  return {
    seller_scoped: sellerScoped,
    metrics: out,
    dimensions,
    filter_ops: filterOps,
    grains: ['day', 'week', 'month'],
  };
}

const label = {
  type: 'object',
  required: ['en', 'es'],
  properties: { en: { type: 'string' }, es: { type: 'string' } },
} as const;

export function registerCatalogueRoutes(app: FastifyInstance): void {
  app.get(
    '/v1/semantic/catalogue',
    {
      // Definitions, not data: any signed-in principal; a seller's answer is narrowed to what they may query.
      config: { access: access.signedIn },
      schema: {
        tags: ['analytics'],
        summary: 'Metrics and dimensions the caller may query, with the dimensions each metric supports',
        security: [{ bearer: [] }, { adminToken: [] }],
        response: {
          200: {
            type: 'object',
            required: ['seller_scoped', 'metrics', 'dimensions', 'filter_ops', 'grains'],
            properties: {
              seller_scoped: {
                type: 'boolean',
                description: 'true for sellers: only metrics readable for one seller are listed',
              },
              metrics: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'label', 'unit', 'audience', 'description', 'dimensions', 'breakdowns'],
                  properties: {
                    id: { type: 'string' },
                    label,
                    unit: { type: 'string', enum: ['count', 'money', 'ratio', 'seconds', 'number'] },
                    audience: { type: 'string', enum: ['seller', 'admin'] },
                    description: { type: 'string' },
                    dimensions: { type: 'array', items: { type: 'string' } },
                    breakdowns: {
                      type: 'array',
                      description: 'dimension sets of one table each; a query must fit within one of them',
                      items: { type: 'array', items: { type: 'string' } },
                    },
                  },
                },
              },
              dimensions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'label', 'description', 'type'],
                  properties: {
                    id: { type: 'string' },
                    label,
                    description: { type: 'string' },
                    type: { type: 'string', enum: ['string', 'date', 'number'] },
                  },
                },
              },
              filter_ops: { type: 'array', items: { type: 'string' } },
              grains: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    async (request) => catalogueFor(principalOf(request).role === 'seller'),
  );
}
