import {
  type CatalogueEntry,
  count,
  currency,
  defineEvent,
  id,
  lineItem,
  money,
  oneOf,
  paymentMethods,
  productProperties,
  text,
} from './common.js';

const items = (description: string) => ({ type: 'array', items: lineItem, description });

const orderTotals = {
  subtotal: money('Sum of the lines before delivery, discounts and taxes, in `currency`.'),
  delivery_fee: money('Delivery (shipping) fee charged to the buyer, in `currency`.'),
  discount: money('Total discount granted (coupons, promotions), as a positive amount in `currency`.'),
  tax: money('Taxes included in the total (ITBIS in the Dominican Republic), in `currency`.'),
  total: money('Amount the buyer pays: subtotal + delivery_fee + tax − discount, in `currency`.'),
  currency,
};

const cartChange = (verb: string) => ({
  ...productProperties,
  quantity: { type: 'integer', minimum: 1, description: `Units ${verb}.` },
  cart_id: id('The cart.'),
});

/** The e-commerce funnel of a multi-store marketplace (the Tiendi vertical), from cart to refund. */
export const commerce: CatalogueEntry[] = [
  defineEvent('add_to_cart', 'A buyer added units of a product to the cart.', cartChange('added'), {
    required: ['product_id'],
    examples: [
      {
        product_id: 'prd_1203',
        product_name: 'Licuadora Oster 10 velocidades',
        store_id: 'str_77',
        category: 'Hogar > Cocina',
        quantity: 1,
        price: 3450,
        currency: 'DOP',
        cart_id: 'cart_5521',
      },
    ],
  }),
  defineEvent(
    'remove_from_cart',
    'A buyer removed units of a product from the cart.',
    cartChange('removed'),
    {
      required: ['product_id'],
      examples: [{ product_id: 'prd_1203', store_id: 'str_77', quantity: 1, cart_id: 'cart_5521' }],
    },
  ),
  defineEvent(
    'checkout_started',
    'A buyer started the checkout with the current cart.',
    {
      cart_id: id('The cart being checked out.'),
      checkout_id: id('The checkout session.'),
      store_id: id('Store, when the checkout is for one store.'),
      items: items('Lines of the cart.'),
      items_count: count('Number of units in the cart.'),
      ...orderTotals,
    },
    {
      examples: [
        {
          cart_id: 'cart_5521',
          store_id: 'str_77',
          items: [{ product_id: 'prd_1203', quantity: 1, price: 3450, category: 'Hogar > Cocina' }],
          subtotal: 3450,
          total: 3450,
          currency: 'DOP',
        },
      ],
    },
  ),
  defineEvent(
    'purchase_completed',
    'An order was placed and paid (or confirmed for cash on delivery). The source of GMV, orders and ' +
      'average order value; send it from the server, once per order.',
    {
      order_id: id('The order; also the idempotency key of the purchase in analytics.'),
      store_id: id('Store that sold the order (one order per store in multi-store carts).'),
      checkout_id: id('The checkout session that produced the order.'),
      items: items('Lines of the order.'),
      ...orderTotals,
      payment_method: oneOf(paymentMethods, 'How the buyer paid.'),
      payment_provider: text('Processor, e.g. "azul", "cardnet", "paypal", "stripe".', 100),
      coupon: text('Coupon code used, if any.', 100),
      shipping_method: text('Delivery option, e.g. "express", "pickup".', 100),
      is_first_order: {
        type: 'boolean',
        description: 'Whether this is the buyer first order (new vs returning).',
      },
    },
    {
      required: ['order_id', 'total', 'currency'],
      examples: [
        {
          order_id: 'ord_100234',
          store_id: 'str_77',
          items: [
            { product_id: 'prd_1203', quantity: 1, price: 3450, category: 'Hogar > Cocina' },
            { product_id: 'prd_0877', quantity: 2, price: 650, category: 'Hogar > Cocina' },
          ],
          subtotal: 4750,
          delivery_fee: 250,
          discount: 300,
          total: 4700,
          currency: 'DOP',
          payment_method: 'card',
          payment_provider: 'azul',
        },
      ],
    },
  ),
  defineEvent(
    'payment_failed',
    'A payment attempt was declined or failed; the order was not placed (payment success rate).',
    {
      order_id: id('Order being paid, if it already exists.'),
      checkout_id: id('The checkout session.'),
      store_id: id('Store being paid.'),
      total: money('Amount attempted, in `currency`.'),
      currency,
      payment_method: oneOf(paymentMethods, 'Payment method attempted.'),
      payment_provider: text('Processor, e.g. "azul".', 100),
      error_code: text('Processor error code, e.g. "05".', 100),
      reason: text('Readable reason, e.g. "Fondos insuficientes".', 500),
    },
    {
      examples: [
        {
          checkout_id: 'chk_7781',
          total: 4700,
          currency: 'DOP',
          payment_method: 'card',
          error_code: '51',
          reason: 'Fondos insuficientes',
        },
      ],
    },
  ),
  defineEvent(
    'order_cancelled',
    'A placed order was cancelled before delivery.',
    {
      order_id: id('The order.'),
      store_id: id('Store of the order.'),
      cancelled_by: oneOf(['buyer', 'seller', 'platform', 'system'], 'Who cancelled.'),
      reason: text('Why, e.g. "Producto agotado".', 500),
      total: money('Order total, in `currency`.'),
      currency,
    },
    {
      required: ['order_id'],
      examples: [{ order_id: 'ord_100234', cancelled_by: 'seller', reason: 'Producto agotado' }],
    },
  ),
  defineEvent(
    'order_refunded',
    'Money of a placed order went back to the buyer, fully or partly.',
    {
      order_id: id('The order.'),
      refund_id: id('The refund.'),
      store_id: id('Store of the order.'),
      amount: money('Amount refunded, in `currency`.'),
      currency,
      full: { type: 'boolean', description: 'True when the whole order was refunded.' },
      items: items('Lines refunded, for partial refunds.'),
      reason: text('Why, e.g. "Llegó dañado".', 500),
    },
    {
      required: ['order_id'],
      examples: [
        {
          order_id: 'ord_100234',
          refund_id: 'ref_311',
          amount: 650,
          currency: 'DOP',
          full: false,
          reason: 'Llegó dañado',
        },
      ],
    },
  ),
];
