/**
 * The semantic layer's one catalogue: every metric and dimension the analytics API answers, the tables that
 * can answer them and the SQL aggregate of each metric on each table. Identifiers in compiled SQL come only
 * from here, never from a request.
 *
 * Rules the definitions follow: ratios are a ratio of sums (so any grouping recomputes them exactly), and a
 * metric on a table that has no seller column is platform-wide: a seller-scoped query cannot use it.
 */

export type Unit = 'count' | 'money' | 'ratio' | 'seconds' | 'number';

export interface Label {
  en: string;
  es: string;
}

/** A table the layer reads: its day column, its seller column, and the SQL of each dimension it supports. */
export interface SourceTable {
  name: string;
  layer: 'mart' | 'staging';
  /** SQL of the table's local day (a DATE). */
  date: string;
  /** Column of the seller (store) a row belongs to; absent = platform-wide rows only. */
  seller?: string;
  /** Rows to leave out whatever is asked (bots, say). */
  where?: string;
  /** A derived relation's SELECT, read in place of the table `name` (which then only names it). */
  from?: string;
  /**
   * Period-over-period facts (churn): one row per `entity` and period, flagged `prev` (active in the period
   * before) and `cur` (active in this one). The period is the time range, or each bucket of the grain when
   * broken down by date; `active` is the SQL of an active row. Compiled by the dialect, not as plain rows.
   */
  periods?: { entity: string; active: string };
  /** Dimension id → SQL expression over the table. */
  dimensions: Record<string, string>;
}

export interface DimensionDef {
  id: string;
  label: Label;
  description: string;
  /** Filter values are compared as this type. */
  type: 'string' | 'date' | 'number';
}

export interface MetricDef {
  id: string;
  label: Label;
  description: string;
  unit: Unit;
  audience: 'seller' | 'admin';
  /**
   * Table → SQL aggregate, in order of preference (marts first). `perDay`, where given, is the same figure
   * for groups that each lie within one local day (the date dimension at grain day): on a table with one
   * row per day and entity, a plain count(*) in place of a count(DISTINCT …) the engine has to hash.
   */
  sources: { table: string; sql: string; perDay?: string }[];
}

const sumRatio = (num: string, den: string) => `CAST(sum(${num}) AS DOUBLE) / nullif(sum(${den}), 0)`;

export const tables: Record<string, SourceTable> = {
  mart_sales_daily: {
    name: 'mart_sales_daily',
    layer: 'mart',
    date: 'local_date',
    seller: 'store_id',
    dimensions: { seller: 'store_id', payment_method: 'payment_method', currency: 'currency' },
  },
  mart_sales_category_daily: {
    name: 'mart_sales_category_daily',
    layer: 'mart',
    date: 'local_date',
    seller: 'store_id',
    dimensions: { seller: 'store_id', category: 'category', currency: 'currency' },
  },
  mart_listing_daily: {
    name: 'mart_listing_daily',
    layer: 'mart',
    date: 'local_date',
    seller: 'seller_id',
    dimensions: { seller: 'seller_id', listing: 'listing_id', listing_kind: 'kind' },
  },
  mart_traffic_daily: {
    name: 'mart_traffic_daily',
    layer: 'mart',
    date: 'local_date',
    dimensions: { source: 'source', medium: 'medium', device: 'device_type' },
  },
  mart_sellers_daily: {
    name: 'mart_sellers_daily',
    layer: 'mart',
    date: 'local_date',
    seller: 'seller_id',
    dimensions: { seller: 'seller_id', plan: 'plan', seller_kind: 'kind' },
  },
  mart_customers_daily: {
    name: 'mart_customers_daily',
    layer: 'mart',
    date: 'local_date',
    dimensions: {},
  },
  mart_customers: {
    name: 'mart_customers',
    layer: 'mart',
    // A customer belongs to the day of their first order (their cohort).
    date: 'CAST(first_order_at AS DATE)',
    dimensions: {},
  },
  stg_orders: {
    name: 'stg_orders',
    layer: 'staging',
    date: 'local_date',
    seller: 'store_id',
    dimensions: {
      seller: 'store_id',
      category: 'top_category',
      payment_method: 'payment_method',
      currency: 'currency',
      customer_type: "CASE WHEN is_first_order THEN 'new' ELSE 'returning' END",
    },
  },
  // Derived relations for the platform KPIs that are not sums over one table's rows. No seller column:
  // they describe the marketplace, so a seller-scoped query refuses them.
  seller_periods: {
    name: 'seller_periods',
    layer: 'mart',
    from: 'SELECT * FROM mart_sellers_daily',
    date: 'local_date',
    dimensions: {},
    periods: { entity: 'seller_id', active: 'is_active' },
  },
  seller_first_days: {
    name: 'seller_first_days',
    layer: 'mart',
    // A seller's first day in mart_sellers_daily, with its plan and kind of that day.
    from: `SELECT project_id, seller_id, min(local_date) AS local_date, arg_min(plan, local_date) AS plan,
      arg_min(kind, local_date) AS kind FROM mart_sellers_daily GROUP BY project_id, seller_id`,
    date: 'local_date',
    dimensions: { plan: 'plan', seller_kind: 'kind' },
  },
  mart_people: {
    name: 'mart_people',
    layer: 'mart',
    // A person's first day with a non-bot event, and the device of that first day's first event.
    date: 'first_date',
    dimensions: { device: 'device_type' },
  },
  cart_sessions: {
    name: 'cart_sessions',
    layer: 'staging',
    // One row per session and local day that added to a cart, started a checkout or bought.
    from: `SELECT project_id, local_date, session_id, any_value(device_type) AS device_type,
      bool_or(event_type = 'add_to_cart') AS carted, bool_or(event_type = 'checkout_started') AS checked_out,
      bool_or(event_type = 'purchase_completed') AS purchased
      FROM stg_events WHERE NOT is_bot AND session_id IS NOT NULL
        AND event_type IN ('add_to_cart', 'checkout_started', 'purchase_completed')
      GROUP BY project_id, local_date, session_id`,
    date: 'local_date',
    dimensions: { device: 'device_type' },
  },
  payment_attempts: {
    name: 'payment_attempts',
    layer: 'staging',
    // One row per payment attempt: each payment_failed event, and each checkout paid (the distinct
    // checkouts of the orders placed; an order without a checkout id is its own).
    from: `SELECT project_id, local_date, false AS paid FROM stg_events WHERE event_type = 'payment_failed' AND NOT is_bot
      UNION ALL SELECT project_id, local_date, true AS paid FROM (SELECT DISTINCT project_id, local_date,
        coalesce(checkout_id, order_id) AS checkout FROM stg_orders)`,
    date: 'local_date',
    dimensions: {},
  },
  // Platform-wide and by day only: its device is a person's first of the day, not every device they used.
  mart_active_people_daily: {
    name: 'mart_active_people_daily',
    layer: 'mart',
    date: 'local_date',
    dimensions: {},
  },
  stg_events: {
    name: 'stg_events',
    layer: 'staging',
    date: 'local_date',
    seller: 'seller_id',
    where: 'NOT is_bot',
    dimensions: {
      seller: 'seller_id',
      listing: 'listing_id',
      category: 'category',
      make: 'make',
      model: 'model',
      province: 'province',
      device: 'device_type',
      source: "coalesce(utm_source, referrer_host, 'direct')",
      currency: 'currency',
    },
  },
};

const d = (
  id: string,
  en: string,
  es: string,
  description: string,
  type: DimensionDef['type'] = 'string',
) => ({
  id,
  label: { en, es },
  description,
  type,
});

/** `date` is the time dimension: its value is the first day of the request's grain (day, week, month). */
export const dimensions: DimensionDef[] = [
  d('date', 'Date', 'Fecha', 'Local day, or first day of the week (Monday) or month, per the grain', 'date'),
  d('seller', 'Seller', 'Vendedor', 'Seller or store id'),
  d('listing', 'Listing', 'Anuncio', 'Listing or product id'),
  d('listing_kind', 'Listing kind', 'Tipo de anuncio', 'vehicle or product'),
  d('category', 'Category', 'Categoría', 'Product category (top category for orders)'),
  d('make', 'Make', 'Marca', 'Vehicle make'),
  d('model', 'Model', 'Modelo', 'Vehicle model'),
  d('province', 'Province', 'Provincia', 'Province the event carried'),
  d('device', 'Device', 'Dispositivo', 'desktop, mobile, tablet…'),
  d('source', 'Source', 'Fuente', 'UTM source, else referrer host, else direct'),
  d('medium', 'Medium', 'Medio', 'UTM medium'),
  d('payment_method', 'Payment method', 'Método de pago', 'Payment method of the order'),
  d('currency', 'Currency', 'Moneda', 'Currency of money amounts'),
  d('customer_type', 'New vs returning', 'Nuevo o recurrente', "'new' for a customer's first order"),
  d('plan', 'Plan', 'Plan', 'Seller subscription plan'),
  d('seller_kind', 'Seller kind', 'Tipo de vendedor', 'dealer, private, store'),
];

const m = (
  id: string,
  en: string,
  es: string,
  unit: Unit,
  audience: MetricDef['audience'],
  description: string,
  sources: ([string, string] | [string, string, string])[],
): MetricDef => ({
  id,
  label: { en, es },
  description,
  unit,
  audience,
  sources: sources.map(([table, sql, perDay]) => ({ table, sql, ...(perDay ? { perDay } : {}) })),
});

const viewTypes = "event_type IN ('listing_viewed', 'product_viewed')";

export const metrics: MetricDef[] = [
  // Seller (vendor) KPIs; admins read them platform-wide.
  m('views', 'Views', 'Vistas', 'count', 'seller', 'Listing and product views (bots out)', [
    ['mart_listing_daily', 'sum(views)'],
    ['stg_events', `count(*) FILTER (WHERE ${viewTypes})`],
  ]),
  m(
    'unique_visitors',
    'Unique visitors',
    'Visitantes únicos',
    'count',
    'seller',
    'Distinct people (identity-resolved) who viewed a listing in the period',
    [['stg_events', `count(DISTINCT person_id) FILTER (WHERE ${viewTypes})`]],
  ),
  m('leads', 'Leads', 'Contactos', 'count', 'seller', 'Contacts sent (WhatsApp, phone, form)', [
    ['mart_listing_daily', 'sum(leads)'],
    ['stg_events', "count(*) FILTER (WHERE event_type = 'contact_sent')"],
  ]),
  m('test_drives', 'Test drives', 'Pruebas de manejo', 'count', 'seller', 'Test drives requested', [
    ['mart_listing_daily', 'sum(test_drives)'],
  ]),
  m(
    'lead_conversion',
    'View → lead conversion',
    'Conversión vista → contacto',
    'ratio',
    'seller',
    'Leads / views',
    [
      ['mart_listing_daily', sumRatio('leads', 'views')],
      [
        'stg_events',
        `CAST(count(*) FILTER (WHERE event_type = 'contact_sent') AS DOUBLE) / nullif(count(*) FILTER (WHERE ${viewTypes}), 0)`,
      ],
    ],
  ),
  m('favourites', 'Favourites', 'Favoritos', 'count', 'seller', 'Listings added to favourites', [
    ['mart_listing_daily', 'sum(favourites)'],
  ]),
  m('add_to_cart', 'Add to cart', 'Añadidos al carrito', 'count', 'seller', 'Add-to-cart events', [
    ['mart_listing_daily', 'sum(add_to_cart)'],
  ]),
  m(
    'cart_conversion',
    'Cart conversion',
    'Conversión de carrito',
    'ratio',
    'seller',
    'Purchased order lines / add-to-cart events',
    [['mart_listing_daily', sumRatio('purchases', 'add_to_cart')]],
  ),
  m('listing_revenue', 'Listing revenue', 'Ingresos por anuncio', 'money', 'seller', 'Order lines sold', [
    ['mart_listing_daily', 'sum(revenue)'],
  ]),
  m('gmv', 'GMV', 'GMV', 'money', 'seller', 'Order totals placed, cancelled included', [
    ['mart_sales_daily', 'sum(gmv)'],
    ['stg_orders', 'sum(total)'],
  ]),
  m('orders', 'Orders', 'Pedidos', 'count', 'seller', 'Orders placed', [
    ['mart_sales_daily', 'sum(orders)'],
    ['stg_orders', 'count(*)'],
  ]),
  m('aov', 'Average order value', 'Ticket promedio', 'money', 'seller', 'GMV / orders', [
    ['mart_sales_daily', sumRatio('gmv', 'orders')],
    ['stg_orders', 'CAST(sum(total) AS DOUBLE) / nullif(count(*), 0)'],
  ]),
  m('units', 'Units sold', 'Unidades vendidas', 'count', 'seller', 'Units in orders placed', [
    ['mart_sales_daily', 'sum(units)'],
    ['stg_orders', 'sum(units)'],
  ]),
  m(
    'net_revenue',
    'Net revenue',
    'Ingresos netos',
    'money',
    'seller',
    'Order totals less refunds, 0 if cancelled',
    [['stg_orders', 'sum(net_total)']],
  ),
  m(
    'category_revenue',
    'Sales by category',
    'Ventas por categoría',
    'money',
    'seller',
    'Order line revenue',
    [['mart_sales_category_daily', 'sum(item_revenue)']],
  ),
  m(
    'customers',
    'Customers',
    'Clientes',
    'count',
    'seller',
    'Distinct people who placed an order in the period',
    [['stg_orders', 'count(DISTINCT person_id)']],
  ),
  m(
    'cancelled_orders',
    'Cancelled orders',
    'Pedidos cancelados',
    'count',
    'seller',
    'Orders of the day cancelled since',
    [
      ['mart_sales_daily', 'sum(cancelled_orders)'],
      ['stg_orders', "count(*) FILTER (WHERE status = 'cancelled')"],
    ],
  ),
  m('refunded_amount', 'Refunds', 'Reembolsos', 'money', 'seller', 'Amount refunded in the period', [
    ['mart_sales_daily', 'sum(refunded_amount)'],
  ]),
  // Admin (platform) KPIs.
  m('commission', 'Commissions', 'Comisiones', 'money', 'admin', 'Commission of orders not cancelled', [
    ['mart_sales_daily', 'sum(commission)'],
    ['stg_orders', "sum(commission) FILTER (WHERE status <> 'cancelled')"],
  ]),
  m(
    'active_sellers',
    'Active sellers',
    'Vendedores activos',
    'count',
    'admin',
    'Sellers active on at least one day of the period',
    [['mart_sellers_daily', 'count(DISTINCT seller_id) FILTER (WHERE is_active)']],
  ),
  m(
    'mrr',
    'MRR',
    'MRR',
    'money',
    'admin',
    'Monthly recurring revenue of active subscriptions, averaged over the days of the period',
    [['mart_sellers_daily', 'CAST(sum(mrr) AS DOUBLE) / nullif(count(DISTINCT local_date), 0)']],
  ),
  m('new_listings', 'New listings', 'Anuncios nuevos', 'count', 'seller', 'Listings published', [
    ['mart_sellers_daily', 'sum(listings_new)'],
  ]),
  m(
    'active_users',
    'Active users',
    'Usuarios activos',
    'count',
    'admin',
    'Distinct people (identity-resolved) with any event',
    [
      // One row per person and day: within a day, counting rows counts people.
      ['mart_active_people_daily', 'count(DISTINCT person_id)', 'count(*)'],
      ['stg_events', 'count(DISTINCT person_id)'],
    ],
  ),
  m('sessions', 'Sessions', 'Sesiones', 'count', 'admin', 'Sessions (bot devices out)', [
    ['mart_traffic_daily', 'sum(sessions)'],
  ]),
  m('page_views', 'Page views', 'Páginas vistas', 'count', 'admin', 'Page views in sessions', [
    ['mart_traffic_daily', 'sum(page_views)'],
  ]),
  m('bounce_rate', 'Bounce rate', 'Tasa de rebote', 'ratio', 'admin', 'Bounced sessions / sessions', [
    ['mart_traffic_daily', sumRatio('bounces', 'sessions')],
  ]),
  m(
    'pages_per_session',
    'Pages per session',
    'Páginas por sesión',
    'number',
    'admin',
    'Page views / sessions',
    [['mart_traffic_daily', sumRatio('page_views', 'sessions')]],
  ),
  m('time_on_site', 'Time on site', 'Tiempo en el sitio', 'seconds', 'admin', 'Session seconds / sessions', [
    ['mart_traffic_daily', sumRatio('total_duration_s', 'sessions')],
  ]),
  m(
    'new_customers',
    'New customers',
    'Clientes nuevos',
    'count',
    'admin',
    'People whose first order was that day',
    [['mart_customers_daily', 'sum(new_customers)']],
  ),
  m(
    'returning_customers',
    'Returning customers',
    'Clientes recurrentes',
    'count',
    'admin',
    'Customers with an earlier order, per day',
    [['mart_customers_daily', 'sum(returning_customers)']],
  ),
  m(
    'ltv',
    'Customer lifetime value',
    'Valor de vida del cliente',
    'money',
    'admin',
    'Net revenue per customer to date, customers by the day of their first order',
    [['mart_customers', 'CAST(sum(ltv) AS DOUBLE) / nullif(count(*), 0)']],
  ),
  m(
    'churned_customers',
    'Churned customers',
    'Clientes perdidos',
    'count',
    'admin',
    'Customers (by first-order day) without an order for the churn window',
    [['mart_customers', 'count(*) FILTER (WHERE churned)']],
  ),
  m(
    'seller_churn_rate',
    'Seller churn',
    'Abandono de vendedores',
    'ratio',
    'admin',
    'Sellers active (is_active in mart_sellers_daily) on some day of the previous period of the same length and on no day of this one, over those active in the previous period. By date: each bucket of the grain against the bucket before it',
    [
      [
        'seller_periods',
        'CAST(count(*) FILTER (WHERE prev AND NOT cur) AS DOUBLE) / nullif(count(*) FILTER (WHERE prev), 0)',
      ],
    ],
  ),
  m(
    'churned_sellers',
    'Churned sellers',
    'Vendedores perdidos',
    'count',
    'admin',
    'Sellers active in the previous period of the same length and not in this one (see seller_churn_rate)',
    [['seller_periods', 'count(*) FILTER (WHERE prev AND NOT cur)']],
  ),
  m(
    'new_sellers',
    'New sellers',
    'Vendedores nuevos',
    'count',
    'admin',
    'Sellers whose first day in mart_sellers_daily (first day known to Plaza) is in the period',
    [['seller_first_days', 'count(*)']],
  ),
  m(
    'new_users',
    'New users',
    'Usuarios nuevos',
    'count',
    'admin',
    'People (identity-resolved) whose first non-bot event is in the period',
    [['mart_people', 'count(*)']],
  ),
  m(
    'cart_abandonment_rate',
    'Cart abandonment',
    'Abandono de carrito',
    'ratio',
    'admin',
    'Sessions (per local day) with an add_to_cart and no purchase_completed, over sessions with an add_to_cart',
    [
      [
        'cart_sessions',
        'CAST(count(*) FILTER (WHERE carted AND NOT purchased) AS DOUBLE) / nullif(count(*) FILTER (WHERE carted), 0)',
      ],
    ],
  ),
  m(
    'checkout_completion_rate',
    'Checkout completion',
    'Compras completadas',
    'ratio',
    'admin',
    'Sessions (per local day) with a checkout_started and a purchase_completed, over sessions with a checkout_started',
    [
      [
        'cart_sessions',
        'CAST(count(*) FILTER (WHERE checked_out AND purchased) AS DOUBLE) / nullif(count(*) FILTER (WHERE checked_out), 0)',
      ],
    ],
  ),
  m(
    'payment_success_rate',
    'Payment success',
    'Pagos aprobados',
    'ratio',
    'admin',
    'Checkouts paid (distinct checkout ids of orders placed) over payment attempts (checkouts paid + payment_failed events)',
    [['payment_attempts', 'CAST(count(*) FILTER (WHERE paid) AS DOUBLE) / nullif(count(*), 0)']],
  ),
];

export const metricById = new Map(metrics.map((x) => [x.id, x]));
export const dimensionById = new Map(dimensions.map((x) => [x.id, x]));

/** Dimensions a table supports, `date` included (every table has a day). */
export function tableDimensions(table: SourceTable): string[] {
  return ['date', ...Object.keys(table.dimensions)];
}
