import {
  type CatalogueEntry,
  count,
  defineEvent,
  durationMs,
  id,
  type JsonSchema,
  money,
  productProperties,
  text,
  vehicleProperties,
} from './common.js';

/**
 * A listing is a vehicle ad or a store product; both verticals share these events, so the attributes of
 * both are declared and the marketplace sends the ones that apply.
 */
const listingAttributes: Record<string, JsonSchema> = {
  ...productProperties,
  ...vehicleProperties,
  price: money('Asking price of the vehicle, or unit price of the product, in `currency`.'),
  title: text('Listing title, e.g. "Toyota RAV4 XLE 2021 impecable".', 500),
  status: text('Listing status after the event, e.g. "active", "paused", "sold".', 50),
  stock: count('Units available after the event (products).'),
  description: text("The seller's description of the listing, as published.", 10_000),
  published_at: {
    type: 'string',
    format: 'date-time',
    description: 'When the listing was first published, when that was before the event (imports, backfills).',
  },
};

/** Seller-side events: the catalogue of listings and products changing over time. */
export const dealer: CatalogueEntry[] = [
  defineEvent(
    'listing_created',
    'A seller published a new listing (vehicle ad or product). Carries the attributes at publication time.',
    listingAttributes,
    {
      required: ['listing_id'],
      examples: [
        {
          listing_id: 'lst_9001',
          seller_id: 'dlr_052',
          seller_type: 'dealer',
          title: 'Honda CR-V EX 2019 como nueva',
          make: 'Honda',
          model: 'CR-V',
          trim: 'EX',
          year: 2019,
          mileage_km: 61000,
          body_type: 'suv',
          fuel: 'gasoline',
          transmission: 'automatic',
          condition: 'used',
          price: 1450000,
          currency: 'DOP',
          province: 'Santiago',
          photo_count: 18,
        },
      ],
    },
  ),
  defineEvent(
    'listing_updated',
    'A seller edited a listing. Carries the attributes after the edit and which ones changed.',
    {
      ...listingAttributes,
      changed_fields: {
        type: 'array',
        items: { type: 'string' },
        uniqueItems: true,
        description: 'Names of the attributes that changed, e.g. ["price"].',
      },
      previous_price: money('Price before the edit, in `currency` (for price-drop analyses).'),
    },
    {
      required: ['listing_id'],
      examples: [
        {
          listing_id: 'lst_9001',
          seller_id: 'dlr_052',
          price: 1390000,
          previous_price: 1450000,
          currency: 'DOP',
          changed_fields: ['price'],
        },
      ],
    },
  ),
  defineEvent(
    'listing_sold',
    'A listing was marked as sold (on or off the marketplace).',
    {
      ...listingAttributes,
      sold_price: money('Final price, in `currency`, when the seller shares it.'),
      days_on_market: count('Days between publication and sale.'),
      sold_on_platform: { type: 'boolean', description: 'Whether the buyer came through the marketplace.' },
    },
    {
      required: ['listing_id'],
      examples: [
        {
          listing_id: 'lst_9001',
          seller_id: 'dlr_052',
          sold_price: 1360000,
          currency: 'DOP',
          days_on_market: 23,
          sold_on_platform: true,
        },
      ],
    },
  ),
  defineEvent(
    'listing_removed',
    'A listing was taken down without being sold (by the seller, expiry or moderation).',
    {
      ...listingAttributes,
      reason: text('Why, e.g. "expired", "moderation", "seller_request".', 200),
      removed_by: text('Who removed it: seller, moderator, system.', 50),
    },
    {
      required: ['listing_id'],
      examples: [{ listing_id: 'lst_7710', seller_id: 'dlr_052', reason: 'expired', removed_by: 'system' }],
    },
  ),
  defineEvent(
    'inventory_imported',
    'A bulk import of a seller inventory finished (dealer DMS feed, CSV upload, store catalogue sync).',
    {
      count: count('Listings or products in the import.'),
      source: text('Where the import came from, e.g. "csv", "api", "feed", "dms".', 100),
      seller_id: id('Dealer whose inventory was imported.'),
      store_id: id('Store whose catalogue was imported.'),
      import_id: id('The import job.'),
      created_count: count('Items created.'),
      updated_count: count('Items updated.'),
      failed_count: count('Items rejected.'),
      duration_ms: durationMs('How long the import took, in milliseconds.'),
      file_name: text('Uploaded file name, if any.', 500),
    },
    {
      required: ['count'],
      examples: [
        {
          count: 120,
          source: 'csv',
          seller_id: 'dlr_052',
          created_count: 15,
          updated_count: 103,
          failed_count: 2,
          file_name: 'inventario_enero.csv',
        },
      ],
    },
  ),
];
