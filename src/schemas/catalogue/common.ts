/**
 * Building blocks shared by the catalogue families. The catalogue is documentation as much as validation:
 * every property carries a description a marketplace engineer can read without opening Plaza's code.
 *
 * Dialect: JSON Schema draft 2020-12 (compiled with Ajv2020 + ajv-formats).
 */

/** A JSON Schema object. Kept loose on purpose: schemas are data, registered at run time. */
export type JsonSchema = { [keyword: string]: unknown };

export interface CatalogueEntry {
  eventType: string;
  version: number;
  description: string;
  /** Schema of the event's `properties` object (never of the whole envelope). */
  schema: JsonSchema;
}

export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

interface EventOptions {
  required?: string[];
  /** Realistic payloads, shown in the docs and checked by the tests. */
  examples: Record<string, unknown>[];
}

/**
 * One version-1 catalogue entry. Unknown properties stay allowed: every marketplace adds its own, and the
 * declared ones are still type-checked.
 */
export function defineEvent(
  eventType: string,
  description: string,
  properties: Record<string, JsonSchema>,
  options: EventOptions,
): CatalogueEntry {
  const schema: JsonSchema = {
    $schema: SCHEMA_DIALECT,
    title: eventType,
    description,
    type: 'object',
    properties,
    additionalProperties: true,
    examples: options.examples,
  };
  if (options.required !== undefined && options.required.length > 0) schema['required'] = options.required;
  return { eventType, version: 1, description, schema };
}

/** Identifiers: marketplaces use UUIDs, slugs or database integers, so both strings and integers pass. */
export const id = (description: string): JsonSchema => ({
  type: ['string', 'integer'],
  minLength: 1,
  maxLength: 256,
  description,
});

export const text = (description: string, maxLength = 1000): JsonSchema => ({
  type: 'string',
  maxLength,
  description,
});

export const count = (description: string): JsonSchema => ({ type: 'integer', minimum: 0, description });

export const money = (description: string): JsonSchema => ({ type: 'number', minimum: 0, description });

export const flag = (description: string): JsonSchema => ({ type: 'boolean', description });

export const oneOf = (values: string[], description: string): JsonSchema => ({
  type: 'string',
  enum: values,
  description,
});

export const currency: JsonSchema = {
  type: 'string',
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 currency code in three uppercase letters, e.g. DOP or USD.',
};

export const durationMs = (description: string): JsonSchema => ({ type: 'number', minimum: 0, description });

export const bodyTypes = [
  'sedan',
  'suv',
  'crossover',
  'pickup',
  'hatchback',
  'coupe',
  'convertible',
  'wagon',
  'van',
  'minivan',
  'truck',
  'bus',
  'motorcycle',
  'other',
];

/** Attributes of a vehicle listing (the OKLA vertical); shared by listing_viewed and the dealer events. */
export const vehicleProperties: Record<string, JsonSchema> = {
  listing_id: id('The listing (classified ad) this event is about.'),
  seller_id: id('The dealer or private seller who owns the listing.'),
  seller_type: oneOf(['dealer', 'private'], 'Whether the seller is a dealership or a private person.'),
  make: text('Vehicle make as shown on the listing, e.g. "Toyota".', 100),
  model: text('Vehicle model, e.g. "RAV4".', 100),
  trim: text('Trim or version, e.g. "XLE" or "Limited".', 100),
  year: { type: 'integer', minimum: 1886, maximum: 2100, description: 'Model year, e.g. 2021.' },
  mileage_km: { type: 'number', minimum: 0, description: 'Odometer reading in kilometres.' },
  body_type: oneOf(bodyTypes, 'Body style, lowercase; "other" when none fits.'),
  fuel: oneOf(
    ['gasoline', 'diesel', 'hybrid', 'plug_in_hybrid', 'electric', 'lpg', 'cng', 'other'],
    'Fuel or power source (lpg is the GLP common in the Caribbean).',
  ),
  transmission: oneOf(['automatic', 'manual', 'cvt', 'other'], 'Gearbox type.'),
  drivetrain: oneOf(['fwd', 'rwd', 'awd', '4x4'], 'Driven wheels.'),
  exterior_color: text('Exterior colour as written by the seller, e.g. "Blanco perla".', 100),
  condition: oneOf(['new', 'used', 'certified'], 'New, used, or certified pre-owned.'),
  price: money('Asking price in `currency`.'),
  currency,
  province: text('Province or state where the vehicle is, e.g. "Santo Domingo" or "Santiago".', 100),
  city: text('City or municipality, e.g. "Santiago de los Caballeros".', 100),
  photo_count: count('Number of photos on the listing.'),
  is_featured: flag('True when the listing is promoted (paid placement).'),
};

/** Attributes of a product in a store (the Tiendi vertical); shared by product, cart and dealer events. */
export const productProperties: Record<string, JsonSchema> = {
  product_id: id('The product.'),
  product_name: text('Product name as shown to the buyer.', 500),
  sku: text('Stock-keeping unit of the exact variant.', 200),
  store_id: id('The store (vendor) selling the product.'),
  store_name: text('Store name as shown to the buyer.', 200),
  category: text('Category path or name, e.g. "Electrónica > Celulares".', 300),
  brand: text('Brand, e.g. "Samsung".', 100),
  variant: text('Variant chosen, e.g. "128 GB, negro".', 200),
  price: money('Unit price in `currency`, after product-level discounts.'),
  currency,
  in_stock: flag('Whether the product could be bought at the time of the event.'),
};

/** One line of a cart or an order. */
export const lineItem: JsonSchema = {
  type: 'object',
  description: 'One line of a cart or order.',
  required: ['product_id'],
  properties: {
    product_id: id('The product.'),
    sku: text('Stock-keeping unit of the exact variant.', 200),
    name: text('Product name at the time of the event.', 500),
    category: text('Category path or name.', 300),
    variant: text('Variant chosen.', 200),
    quantity: { type: 'integer', minimum: 1, description: 'Units of this line.' },
    price: money('Unit price in the order currency.'),
    store_id: id('Store selling this line, when one cart spans several stores.'),
  },
  additionalProperties: true,
};

export const paymentMethods = [
  'card',
  'cash',
  'cash_on_delivery',
  'transfer',
  'paypal',
  'wallet',
  'financing',
  'crypto',
  'other',
];
