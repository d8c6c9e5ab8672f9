import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ValidateFunction } from 'ajv';
import { type CatalogueEntry, catalogue, SCHEMA_DIALECT } from '../src/schemas/catalogue/index.js';
import { SchemaCompiler } from '../src/schemas/compiler.js';
import { schemaIssues } from '../src/schemas/messages.js';

const compiler = new SchemaCompiler();
const validators = new Map<string, ValidateFunction>();
const entry = (type: string): CatalogueEntry => {
  const e = catalogue.find((c) => c.eventType === type);
  assert.ok(e, `catalogue has ${type}`);
  return e;
};
const validator = (type: string): ValidateFunction => {
  let v = validators.get(type);
  if (v === undefined) {
    v = compiler.compile(entry(type).schema, type);
    validators.set(type, v);
  }
  return v;
};
const issues = (type: string, properties: unknown) => {
  const v = validator(type);
  return v(properties) ? [] : schemaIssues(v.errors ?? []);
};

const expectedTypes = [
  'page_view',
  'screen_view',
  'search',
  'click',
  'favorite',
  'contact_sent',
  'test_drive_requested',
  'engagement',
  'product_viewed',
  'listing_viewed',
  'add_to_cart',
  'remove_from_cart',
  'checkout_started',
  'purchase_completed',
  'payment_failed',
  'order_cancelled',
  'order_refunded',
  'review_written',
  'listing_created',
  'listing_updated',
  'listing_sold',
  'listing_removed',
  'inventory_imported',
  'message_sent',
  'seller_registered',
  'subscription_started',
  'subscription_renewed',
  'subscription_changed',
  'subscription_cancelled',
  'signed_up',
  'logged_in',
  'identify',
  'alias',
  'group',
  'model_trained',
  'model_deployed',
  'prediction_logged',
];

describe('catalogue shape', () => {
  test('holds every event type of the mission, once, at version 1', () => {
    assert.deepEqual(catalogue.map((c) => c.eventType).sort(), [...expectedTypes].sort());
    for (const c of catalogue) assert.equal(c.version, 1, c.eventType);
  });

  test('every schema is documented draft 2020-12 for an open properties object', () => {
    for (const c of catalogue) {
      assert.ok(c.description.length > 20, `${c.eventType} has a real description`);
      assert.equal(c.schema['$schema'], SCHEMA_DIALECT);
      assert.equal(c.schema['type'], 'object');
      assert.notEqual(
        c.schema['additionalProperties'],
        false,
        `${c.eventType} lets marketplaces add properties`,
      );
      const props = c.schema['properties'] as Record<string, { description?: unknown; type?: unknown }>;
      for (const [name, p] of Object.entries(props)) {
        assert.equal(typeof p.description, 'string', `${c.eventType}.${name} has a description`);
      }
      const examples = c.schema['examples'];
      assert.ok(Array.isArray(examples) && examples.length > 0, `${c.eventType} has an example`);
    }
  });

  test('money is a non-negative number next to an ISO 4217 currency', () => {
    for (const type of ['listing_viewed', 'product_viewed', 'purchase_completed', 'order_refunded']) {
      const props = entry(type).schema['properties'] as Record<string, Record<string, unknown>>;
      assert.deepEqual(props['currency']?.['pattern'], '^[A-Z]{3}$', type);
    }
    assert.deepEqual(entry('purchase_completed').schema['required'], ['order_id', 'total', 'currency']);
  });
});

describe('every schema compiles and accepts its documented examples', () => {
  for (const c of catalogue) {
    test(c.eventType, () => {
      for (const example of c.schema['examples'] as unknown[])
        assert.deepEqual(issues(c.eventType, example), []);
    });
  }
});

/** Realistic payloads of both verticals (vehicles: OKLA; stores: Tiendi) and a realistic mistake in each. */
interface Case {
  type: string;
  good: Record<string, unknown>;
  bad: Record<string, unknown>;
  /** Pointers of the issues, in any order. */
  pointers: string[];
  /** A substring of one of the messages. */
  says?: string;
}

const car = {
  listing_id: 'lst_2207',
  seller_id: 'usr_381',
  seller_type: 'private',
  make: 'Hyundai',
  model: 'Tucson',
  year: 2017,
  mileage_km: 98000,
  body_type: 'suv',
  fuel: 'lpg',
  transmission: 'automatic',
  price: 16500,
  currency: 'USD',
  province: 'La Altagracia',
  city: 'Higüey',
  photo_count: 9,
  condition: 'used',
  // Marketplace-specific additions must pass untouched.
  financiamiento_disponible: true,
};

const cases: Case[] = [
  {
    type: 'page_view',
    good: {
      page_type: 'store',
      path: '/tiendas/hogar-feliz',
      title: 'Hogar Feliz | Tiendi',
      store_id: 'str_77',
    },
    bad: { path: 42 },
    pointers: ['/properties/path'],
    says: 'must be a string, got 42',
  },
  {
    type: 'screen_view',
    good: { name: 'Carrito', previous_screen: 'DetalleProducto' },
    bad: { name: ['Carrito'] },
    pointers: ['/properties/name'],
  },
  {
    type: 'search',
    good: {
      query: 'licuadora oster',
      filters: { category: 'Hogar > Cocina', price_max: 5000, currency: 'DOP', envio_gratis: true },
      results_count: 12,
      page: 1,
    },
    bad: { query: 'camioneta', filters: { year_min: '2018', price_max: -1 }, page: 0 },
    pointers: ['/properties/filters/year_min', '/properties/filters/price_max', '/properties/page'],
    says: 'must be an integer between 1886 and 2100, got "2018"',
  },
  {
    type: 'click',
    good: { element: 'cta_whatsapp', element_text: 'Escríbele al dealer', listing_id: 'lst_2207' },
    bad: { element: 'search_result', position: -1 },
    pointers: ['/properties/position'],
    says: 'must be ≥ 0, got -1',
  },
  {
    type: 'engagement',
    good: { time_on_page_ms: 125000, active_time_ms: 61000, scroll_depth: 100, product_id: 'prd_1203' },
    bad: { time_on_page_ms: 5000, scroll_depth: 120 },
    pointers: ['/properties/scroll_depth'],
    says: 'must be between 0 and 100, got 120',
  },
  {
    type: 'favorite',
    good: { action: 'remove', product_id: 'prd_1203', store_id: 'str_77' },
    bad: { listing_id: 'lst_2207', action: 'toggle' },
    pointers: ['/properties/action'],
    says: 'must be one of "add", "remove", got "toggle"',
  },
  {
    type: 'listing_viewed',
    good: car,
    bad: { ...car, price: '16,500', currency: 'US$', body_type: 'SUV' },
    pointers: ['/properties/price', '/properties/currency', '/properties/body_type'],
    says: 'must be a number ≥ 0, got "16,500"',
  },
  {
    type: 'product_viewed',
    good: {
      product_id: 1203,
      product_name: 'Licuadora Oster 10 velocidades',
      product_price: 3450,
      product_category: 'Hogar > Cocina',
      store_id: 'str_77',
      store_name: 'Hogar Feliz',
    },
    bad: { product_name: 'Licuadora Oster', product_price: '3450' },
    pointers: ['/properties/product_id', '/properties/product_price'],
    says: '/properties/product_id is required but missing',
  },
  {
    type: 'contact_sent',
    good: { channel: 'phone', product_id: 'prd_1203', store_id: 'str_77', section: 'detalle' },
    bad: { channel: 'llamada', listing_id: 'lst_2207' },
    pointers: ['/properties/channel'],
  },
  {
    type: 'test_drive_requested',
    good: { listing_id: 'lst_2207', seller_id: 'usr_381', requested_date: '2026-02-03' },
    bad: { listing_id: 'lst_2207', requested_date: '03/02/2026', requested_time: '3pm' },
    pointers: ['/properties/requested_date', '/properties/requested_time'],
    says: 'must be a valid date (YYYY-MM-DD, e.g. "2026-01-15"), got "03/02/2026"',
  },
  {
    type: 'message_sent',
    good: { conversation_id: 'conv_12', sender_role: 'buyer', product_id: 'prd_1203', message_length: 31 },
    bad: { conversation_id: 'conv_12', sender_role: 'vendedor' },
    pointers: ['/properties/sender_role'],
  },
  {
    type: 'add_to_cart',
    good: {
      product_id: 'prd_0877',
      product_name: 'Juego de vasos (6)',
      quantity: 2,
      price: 650,
      currency: 'DOP',
    },
    bad: { product_id: 'prd_0877', quantity: 0 },
    pointers: ['/properties/quantity'],
  },
  {
    type: 'remove_from_cart',
    good: { product_id: 'prd_0877', quantity: 1 },
    bad: { product_id: 'prd_0877', quantity: 1.5 },
    pointers: ['/properties/quantity'],
    says: 'must be an integer ≥ 1, got 1.5',
  },
  {
    type: 'checkout_started',
    good: { cart_id: 'cart_5521', items_count: 3, subtotal: 4750, total: 5000, currency: 'DOP' },
    bad: { cart_id: 'cart_5521', items: [{ product_id: 'prd_1203', quantity: '1' }] },
    pointers: ['/properties/items/0/quantity'],
  },
  {
    type: 'purchase_completed',
    good: {
      order_id: 88412,
      store_id: 'str_77',
      items: [{ product_id: 'prd_1203', quantity: 1, price: 3450, category: 'Hogar > Cocina' }],
      subtotal: 3450,
      delivery_fee: 200,
      tax: 0,
      total: 3650,
      currency: 'DOP',
      payment_method: 'cash_on_delivery',
    },
    bad: {
      order_id: 'ord_100235',
      currency: 'dop',
      items: [
        { product_id: 'prd_1203', quantity: 1 },
        { quantity: 2, price: 650 },
      ],
      payment_method: 'tarjeta',
    },
    pointers: [
      '/properties/total',
      '/properties/currency',
      '/properties/items/1/product_id',
      '/properties/payment_method',
    ],
  },
  {
    type: 'payment_failed',
    good: {
      checkout_id: 'chk_7781',
      total: 3650,
      currency: 'DOP',
      payment_method: 'card',
      reason: 'Tarjeta vencida',
    },
    bad: { checkout_id: 'chk_7781', total: -3650 },
    pointers: ['/properties/total'],
  },
  {
    type: 'order_cancelled',
    good: { order_id: 'ord_100235', cancelled_by: 'buyer', reason: 'Me equivoqué de color' },
    bad: { order_id: 'ord_100235', cancelled_by: 'cliente' },
    pointers: ['/properties/cancelled_by'],
  },
  {
    type: 'order_refunded',
    good: { order_id: 'ord_100235', amount: 3650, currency: 'DOP', full: true },
    bad: { order_id: 'ord_100235', amount: '3650' },
    pointers: ['/properties/amount'],
  },
  {
    type: 'review_written',
    good: {
      review_id: 'rev_5001',
      seller_id: 'str_77',
      order_id: 'ord_100234',
      rating: 2,
      text: 'El pedido llegó tarde y la caja venía abierta.',
      language: 'es',
    },
    bad: { seller_id: 'str_77', rating: 6, language: 'Español' },
    pointers: ['/properties/rating', '/properties/language'],
    says: 'must be between 1 and 5, got 6',
  },
  {
    type: 'listing_created',
    good: {
      listing_id: 'prd_2001',
      store_id: 'str_77',
      product_name: 'Freidora de aire 5 L',
      category: 'Hogar > Cocina',
      price: 5990,
      currency: 'DOP',
    },
    bad: { seller_id: 'dlr_052', make: 'Kia', mileage_km: -5 },
    pointers: ['/properties/listing_id', '/properties/mileage_km'],
  },
  {
    type: 'listing_updated',
    good: {
      listing_id: 'lst_2207',
      price: 15900,
      previous_price: 16500,
      currency: 'USD',
      changed_fields: ['price'],
    },
    bad: { listing_id: 'lst_2207', changed_fields: ['price', 'price'] },
    pointers: ['/properties/changed_fields'],
  },
  {
    type: 'listing_sold',
    good: { listing_id: 'lst_2207', days_on_market: 41, sold_on_platform: false },
    bad: { listing_id: 'lst_2207', days_on_market: 2.5 },
    pointers: ['/properties/days_on_market'],
  },
  {
    type: 'listing_removed',
    good: { listing_id: 'lst_2207', reason: 'seller_request', removed_by: 'seller' },
    bad: { reason: 'expired' },
    pointers: ['/properties/listing_id'],
  },
  {
    type: 'inventory_imported',
    good: { count: 2450, source: 'api', store_id: 'str_77', duration_ms: 8123 },
    bad: { count: '2450', source: 'csv' },
    pointers: ['/properties/count'],
  },
  {
    type: 'seller_registered',
    good: {
      seller_id: 'slr_120',
      store_id: 'str_120',
      store_name: 'Ferretería El Clavo',
      plan: 'basico',
      commission_rate: 0.12,
      category: 'Ferretería',
      province: 'La Vega',
      business_type: 'individual',
    },
    bad: { store_id: 'str_120', commission_rate: 12, business_type: 'persona_fisica' },
    pointers: ['/properties/commission_rate', '/properties/business_type'],
    says: 'must be between 0 and 1, got 12',
  },
  {
    type: 'subscription_started',
    good: {
      subscription_id: 'sub_120',
      store_id: 'str_120',
      plan: 'basico',
      amount: 0,
      currency: 'DOP',
      period: 'month',
      period_start: '2026-03-01',
      period_end: '2026-03-31',
      trial: true,
    },
    bad: { subscription_id: 'sub_120', plan: 'basico', period: 'mensual', period_start: '01/03/2026' },
    pointers: ['/properties/period', '/properties/period_start'],
  },
  {
    type: 'subscription_renewed',
    good: { subscription_id: 'sub_120', plan: 'basico', amount: 990, currency: 'DOP', renewal_count: 2 },
    bad: { subscription_id: 'sub_120', plan: 'basico', amount: -990, renewal_count: 1.5 },
    pointers: ['/properties/amount', '/properties/renewal_count'],
  },
  {
    type: 'subscription_changed',
    good: { subscription_id: 'sub_120', plan: 'profesional', previous_plan: 'basico', change: 'upgrade' },
    bad: { subscription_id: 'sub_120', change: 'mejora' },
    pointers: ['/properties/plan', '/properties/change'],
  },
  {
    type: 'subscription_cancelled',
    good: {
      subscription_id: 'sub_120',
      cancelled_by: 'system',
      reason: 'Pago rechazado',
      ends_on: '2026-05-31',
      months_active: 3,
    },
    bad: { subscription_id: 'sub_120', cancelled_by: 'vendedor', months_active: -1 },
    pointers: ['/properties/cancelled_by', '/properties/months_active'],
  },
  {
    type: 'signed_up',
    good: { method: 'email', role: 'store_owner', plan: 'pro' },
    bad: { method: 'gmail' },
    pointers: ['/properties/method'],
  },
  {
    type: 'logged_in',
    good: { method: 'email', role: 'buyer' },
    bad: { role: 'superuser' },
    pointers: ['/properties/role'],
  },
  {
    type: 'identify',
    good: { plan: 'gratis', cualquier_cosa: [1, 2] },
    bad: [] as unknown as Record<string, unknown>,
    pointers: ['/properties'],
    says: '/properties must be an object, got an array of 0 items',
  },
  {
    type: 'alias',
    good: { previous_id: 'anon_7f3c2a' },
    bad: { previous_id: { id: 'anon_7f3c2a' } },
    pointers: ['/properties/previous_id'],
    says: 'must be a string or an integer, got an object',
  },
  {
    type: 'group',
    good: { group_id: 'str_77', group_type: 'store' },
    bad: { group_id: null },
    pointers: ['/properties/group_id'],
  },
  {
    type: 'model_trained',
    good: { model_name: 'lead_scorer', model_version: '2026-01-15.1', metrics: { auc: 0.84, logloss: 0.41 } },
    bad: { model_name: 'lead_scorer', metrics: { auc: '0.84' } },
    pointers: ['/properties/metrics/auc'],
  },
  {
    type: 'model_deployed',
    good: { model_name: 'lead_scorer', model_version: '2026-01-15.1', traffic_share: 0.1 },
    bad: { model_name: 'lead_scorer', traffic_share: 10 },
    pointers: ['/properties/model_version', '/properties/traffic_share'],
  },
  {
    type: 'prediction_logged',
    good: {
      model_name: 'price_predictor',
      model_version: 7,
      entity_id: 'lst_2207',
      prediction: 15800.5,
      features: { make: 'Hyundai', year: 2017, mileage_km: 98000 },
      latency_ms: 1.9,
    },
    bad: { model_name: 'price_predictor', latency_ms: '1.9ms' },
    pointers: ['/properties/latency_ms'],
  },
];

describe('realistic payloads pass and realistic mistakes are caught where they are', () => {
  test('the cases cover every event type', () => {
    assert.deepEqual(cases.map((c) => c.type).sort(), [...expectedTypes].sort());
  });
  for (const c of cases) {
    test(c.type, () => {
      assert.deepEqual(issues(c.type, c.good), [], 'good payload passes');
      const found = issues(c.type, c.bad);
      assert.deepEqual(found.map((i) => i.pointer).sort(), [...c.pointers].sort());
      for (const i of found) {
        assert.equal(i.kind, 'schema_violation');
        assert.ok(i.message.startsWith(`${i.pointer} `), `message starts with its pointer: ${i.message}`);
      }
      const says = c.says;
      if (says !== undefined)
        assert.ok(
          found.some((i) => i.message.includes(says)),
          JSON.stringify(found),
        );
    });
  }
});

describe('messages', () => {
  test('name the expected type and range and quote the offending value', () => {
    const [issue] = issues('listing_viewed', { listing_id: 'lst_1', price: 'abc' });
    assert.deepEqual(issue, {
      kind: 'schema_violation',
      pointer: '/properties/price',
      message: '/properties/price must be a number ≥ 0, got "abc"',
    });
  });

  test('abbreviate long values instead of echoing them', () => {
    const [issue] = issues('listing_viewed', { listing_id: 'lst_1', year: 'x'.repeat(5000) });
    assert.ok(issue!.message.length < 120, issue!.message);
    assert.match(issue!.message, /got "x{37}…"$/);
  });

  test('explain patterns with the property description', () => {
    const [issue] = issues('purchase_completed', { order_id: 'o', total: 1, currency: 'RD$' });
    assert.equal(
      issue!.message,
      '/properties/currency must match /^[A-Z]{3}$/ (ISO 4217 currency code in three uppercase letters, ' +
        'e.g. DOP or USD), got "RD$"',
    );
  });

  test('escape property names in pointers', () => {
    const v = compiler.compile({ type: 'object', required: ['a/b~c'] }, 'x');
    assert.equal(v({}), false);
    assert.equal(schemaIssues(v.errors ?? [])[0]!.pointer, '/properties/a~1b~0c');
  });
});
