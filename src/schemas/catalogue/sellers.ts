import {
  type CatalogueEntry,
  count,
  currency,
  defineEvent,
  id,
  type JsonSchema,
  money,
  oneOf,
  paymentMethods,
  text,
} from './common.js';

/** Billing periods of a seller subscription. */
const periods = ['month', 'quarter', 'year'];

const commissionRate: JsonSchema = {
  type: 'number',
  minimum: 0,
  maximum: 1,
  description:
    'Share of each sale the marketplace keeps, as a fraction: 0.08 means 8 %. Depends on the plan and, ' +
    'on most marketplaces, on the category.',
};

const day = (description: string): JsonSchema => ({ type: 'string', format: 'date', description });

/** Who the seller is and which store they run; shared by every seller-side event. */
const sellerIdentity: Record<string, JsonSchema> = {
  seller_id: id(
    'The seller. On a store marketplace usually the store itself (then equal to store_id); the owner who ' +
      'acts for it is the user of the event.',
  ),
  store_id: id('The store (vendor) the account runs.'),
  store_name: text('Store name as shown to buyers, e.g. "Hogar Feliz".', 200),
};

/** What every subscription event carries: the plan, its price and its period. */
const subscriptionTerms: Record<string, JsonSchema> = {
  ...sellerIdentity,
  subscription_id: id('The subscription; stays the same across renewals and plan changes.'),
  plan: text('Plan identifier, lowercase, e.g. "basico", "profesional", "premium".', 100),
  amount: money('Price charged for the period, in `currency` (0 for a free plan or a trial).'),
  currency,
  period: oneOf(periods, 'Billing period the amount pays for.'),
  period_start: day('First day paid for, as YYYY-MM-DD in the marketplace time zone.'),
  period_end: day('Last day paid for, as YYYY-MM-DD in the marketplace time zone.'),
  commission_rate: commissionRate,
  payment_method: oneOf(paymentMethods, 'How the seller pays the subscription.'),
};

/**
 * The seller side of a multi-vendor marketplace (the Tiendi vertical): stores joining, and the paid plans
 * behind the platform's MRR, active stores and store churn.
 */
export const sellers: CatalogueEntry[] = [
  defineEvent(
    'seller_registered',
    'A seller opened a store on the marketplace. Send it from the server once the store exists; the plan ' +
      'chosen at sign-up and its commission are those in force at that moment.',
    {
      ...sellerIdentity,
      plan: text('Plan chosen at registration, lowercase, e.g. "basico", "profesional", "premium".', 100),
      commission_rate: commissionRate,
      category: text('Main category the store sells in, e.g. "Electrónica" or "Hogar > Cocina".', 300),
      province: text('Province where the store is based, e.g. "Santo Domingo" or "Santiago".', 100),
      city: text('City or municipality, e.g. "Santiago de los Caballeros".', 100),
      business_type: oneOf(
        ['individual', 'company'],
        'Whether the store is run by a person (persona física) or a company (RNC).',
      ),
      source: text('How the seller arrived, e.g. "organic", "referral", "sales_team", "ads".', 100),
    },
    {
      required: ['store_id'],
      examples: [
        {
          seller_id: 'str_77',
          store_id: 'str_77',
          store_name: 'Hogar Feliz',
          plan: 'profesional',
          commission_rate: 0.08,
          category: 'Hogar > Cocina',
          province: 'Santo Domingo',
          city: 'Santo Domingo Este',
          business_type: 'company',
          source: 'referral',
        },
      ],
    },
  ),
  defineEvent(
    'subscription_started',
    'A seller subscribed to a paid plan (or a trial): the first charge of a subscription, the start of its ' +
      'contribution to MRR.',
    {
      ...subscriptionTerms,
      trial: { type: 'boolean', description: 'True when the first period is a free trial.' },
    },
    {
      required: ['subscription_id', 'plan'],
      examples: [
        {
          subscription_id: 'sub_0412',
          seller_id: 'str_77',
          store_id: 'str_77',
          plan: 'profesional',
          amount: 2500,
          currency: 'DOP',
          period: 'month',
          period_start: '2026-01-15',
          period_end: '2026-02-14',
          commission_rate: 0.08,
          payment_method: 'card',
          trial: false,
        },
      ],
    },
  ),
  defineEvent(
    'subscription_renewed',
    'A subscription was charged for one more period (renewal); the store stays active.',
    {
      ...subscriptionTerms,
      renewal_count: count('Renewals so far, this one included (1 for the first renewal).'),
    },
    {
      required: ['subscription_id', 'plan'],
      examples: [
        {
          subscription_id: 'sub_0412',
          seller_id: 'str_77',
          store_id: 'str_77',
          plan: 'profesional',
          amount: 2500,
          currency: 'DOP',
          period: 'month',
          period_start: '2026-02-15',
          period_end: '2026-03-14',
          renewal_count: 1,
          payment_method: 'card',
        },
      ],
    },
  ),
  defineEvent(
    'subscription_changed',
    'A seller moved to another plan (upgrade or downgrade); MRR expansion or contraction. The terms are ' +
      'those of the new plan.',
    {
      ...subscriptionTerms,
      previous_plan: text('Plan before the change.', 100),
      previous_amount: money('Price of the previous plan for the same period, in `currency`.'),
      change: oneOf(['upgrade', 'downgrade'], 'Direction of the change.'),
    },
    {
      required: ['subscription_id', 'plan'],
      examples: [
        {
          subscription_id: 'sub_0412',
          store_id: 'str_77',
          plan: 'premium',
          previous_plan: 'profesional',
          amount: 5500,
          previous_amount: 2500,
          currency: 'DOP',
          period: 'month',
          change: 'upgrade',
          commission_rate: 0.06,
        },
      ],
    },
  ),
  defineEvent(
    'subscription_cancelled',
    'A subscription ended: cancelled by the seller, or by the platform after unpaid renewals. The store ' +
      'stops selling at `ends_on`; together with subscription_started it gives store churn.',
    {
      ...subscriptionTerms,
      cancelled_by: oneOf(['seller', 'platform', 'system'], 'Who ended it (system: unpaid renewal).'),
      reason: text('Why, e.g. "Pocas ventas", "Cierre del negocio", "Pago rechazado".', 500),
      ends_on: day('Last day the store can sell, as YYYY-MM-DD.'),
      months_active: count('Whole months the subscription was paid for.'),
    },
    {
      required: ['subscription_id'],
      examples: [
        {
          subscription_id: 'sub_0412',
          seller_id: 'str_77',
          store_id: 'str_77',
          plan: 'profesional',
          amount: 2500,
          currency: 'DOP',
          period: 'month',
          cancelled_by: 'seller',
          reason: 'Pocas ventas',
          ends_on: '2026-06-14',
          months_active: 5,
        },
      ],
    },
  ),
];
