import type { QualityCheck } from '../../pipelines/types.js';
import type { TableDef } from '../../ports/warehouse.js';
import { acceptedValues, notNull, range, relationship, unique } from '../common/checks.js';
import { col, opt } from '../common/kit.js';
import type { SyncScope, SyncStatements } from './dims.js';

/**
 * `stg_orders`: one row per order (project_id, order_id), from its purchase_completed event (the first one
 * when a store sent it twice) and everything that happened to it since: cancellation, refunds. `local_date`
 * is the day it was placed. Rebuilt for an order whenever its events change (`source_fingerprint`), so a
 * refund arriving weeks later updates the order's row.
 *
 * - `status`: completed | cancelled | refunded (refunds cover the total) | partially_refunded;
 * - `refunded_amount`: sum of distinct refunds (by refund_id); a full refund without an amount counts the
 *   order's total; `net_total`: total − refunds, 0 for a cancelled order;
 * - `commission`: as sent, else subtotal × commission_rate (what the marketplace keeps);
 * - `category` / `top_category`: of the line with the largest amount (the order's main category).
 *
 * `stg_order_items`: the order's lines (line_no from 1), `amount` = quantity × price.
 */
export const stgOrdersTable: TableDef = {
  name: 'stg_orders',
  columns: [
    col('project_id', 'string'),
    col('order_id', 'string'),
    col('local_date', 'date'),
    col('placed_at', 'timestamp'),
    col('event_id', 'string'),
    col('person_id', 'string'),
    opt('user_id'),
    opt('store_id'),
    opt('checkout_id'),
    opt('category'),
    opt('top_category'),
    col('lines', 'int64'),
    col('units', 'int64'),
    opt('subtotal', 'float64'),
    col('delivery_fee', 'float64'),
    col('discount', 'float64'),
    col('tax', 'float64'),
    col('total', 'float64'),
    col('currency', 'string'),
    col('payment_method', 'string'),
    opt('payment_provider'),
    opt('shipping_method'),
    opt('coupon'),
    opt('is_first_order', 'bool'),
    opt('commission_rate', 'float64'),
    col('commission', 'float64'),
    col('status', 'string'),
    opt('cancelled_at', 'timestamp'),
    opt('cancelled_by'),
    col('refunds', 'int64'),
    col('refunded_amount', 'float64'),
    opt('last_refunded_at', 'timestamp'),
    col('net_total', 'float64'),
    col('source_fingerprint', 'string'),
  ],
  orderBy: ['project_id', 'local_date', 'store_id'],
  partitionByDay: 'local_date',
};

export const stgOrderItemsTable: TableDef = {
  name: 'stg_order_items',
  columns: [
    col('project_id', 'string'),
    col('order_id', 'string'),
    col('local_date', 'date'),
    col('line_no', 'int64'),
    opt('product_id'),
    opt('store_id'),
    opt('category'),
    opt('top_category'),
    col('quantity', 'int64'),
    col('price', 'float64'),
    col('amount', 'float64'),
    col('currency', 'string'),
  ],
  orderBy: ['project_id', 'local_date', 'product_id'],
  partitionByDay: 'local_date',
};

export const orderStatuses = ['completed', 'cancelled', 'refunded', 'partially_refunded'] as const;

export const orderEventTypes = ['purchase_completed', 'order_cancelled', 'order_refunded'] as const;

export interface OrdersSql {
  /** Rebuilds the orders whose events changed since their rows were written. */
  sync(projects: readonly string[], scope: SyncScope): SyncStatements;
}

const p = { partitionColumn: 'local_date' };
export const stgOrdersChecks: QualityCheck[] = [
  ...notNull('stg_orders', ['order_id', 'person_id', 'total', 'currency', 'status']),
  unique('stg_orders', ['project_id', 'order_id']),
  acceptedValues('stg_orders', 'status', orderStatuses),
  range('stg_orders', 'total', { min: 0 }),
  range('stg_orders', 'refunded_amount', { min: 0 }),
  range('stg_orders', 'net_total', { min: 0 }),
  relationship('stg_orders', 'store_id', { table: 'dim_sellers', column: 'seller_id' }),
  unique('stg_order_items', ['project_id', 'order_id', 'line_no'], p),
  range('stg_order_items', 'quantity', { min: 1 }, { ...p, severity: 'warn' }),
];
