/**
 * Every tunable of the stores vertical (a multi-vendor store marketplace like Tiendi) in one place, next to
 * the statistical bounds the tests hold the generated data to. Change a behaviour here, run
 * `npm test -- simulate-stores`, and the bounds say whether the world still looks like a store marketplace.
 */
import type { Dynamics } from '../core/vertical.js';

/** Buyers come and go (see Dynamics in core/vertical.ts). Shoppers come back more often than car buyers. */
export const dynamics: Dynamics = {
  churnShare: 0.3,
  churnAfter: { minDays: 10, meanExtraDays: 40 },
  decayDays: 21,
  retainedMeanDaysAfterHistory: 365,
  sessionsPerDay: { median: 0.12, sigma: 0.8 },
  signupPropensity: 0.4,
  registeredAtStart: 0.5,
  secondDeviceShare: 0.25,
  englishShare: 0.1,
  maxPagesPerSession: 60,
};

/** The seller side. */
export const sellers = {
  /** Share of stores open when history starts (the rest register during history: growth). */
  initialShare: 0.8,
  /** Stores that close are replaced by new registrations at this rate (the market is not shrinking). */
  replacement: 0.7,
  /** Share of new stores that are fraudulent (prices far below market, orders that never arrive). */
  fraudShare: 0.05,
};

/** Buyer behaviour in sessions. */
export const behaviour = {
  /** Probability that a landing page is the only page of the session, by landing kind. */
  bounce: { home: 0.3, search: 0.3, item: 0.42 },
  /** Returning buyers bounce less (multiplier). */
  returningBounce: 0.8,
  /** Share of buyers (per session) who come to buy something specific rather than browse. */
  missionShare: 0.45,
  /** Probability of adding a viewed product to the cart at full interest (affinity, price fit). */
  addToCart: 0.1,
  /** Buyers on a mission add to the cart this much more. */
  missionFactor: 1.8,
  /** After adding to the cart: go to the cart page (the rest keep shopping). */
  cartAfterAdd: 0.55,
  /** From the cart page: proceed to checkout. */
  checkoutFromCart: 0.55,
  /** From the checkout page: go on to payment (the rest abandon, often at the delivery fee). */
  payFromCheckout: 0.85,
  /** Sessions starting from an open cart (returning to finish a purchase), when there is one. */
  returnToCart: 0.3,
  /** Share of typed queries in the buyer's other language (code switching). */
  otherLanguageQuery: 0.06,
  /** Query forms: brand named, price cap written, "cheap" without a number, province named. */
  queryBrand: 0.3,
  queryPrice: 0.15,
  queryCheap: 0.1,
  queryProvince: 0.08,
  /** Favourites per product view. */
  favorite: 0.04,
  /** Payment method preferences of buyers (cash on delivery is still very common in the Dominican Republic). */
  paymentMethods: { card: 0.44, cash_on_delivery: 0.3, transfer: 0.1, wallet: 0.09, paypal: 0.07 },
  /** Probability that one payment attempt fails, by method (transfers and cash are confirmed later). */
  paymentFailure: { card: 0.14, wallet: 0.09, paypal: 0.05, transfer: 0, cash_on_delivery: 0 },
  /** After a failed payment: retry (same or another method). */
  retryAfterFailure: 0.7,
  /** Coupon use: first orders (welcome coupon) and later ones. */
  couponFirstOrder: 0.3,
  couponLater: 0.07,
  /** Probability of writing a review after an order, before the experience raises it. */
  review: 0.16,
  /** A bad experience (late, refunded, cancelled by the store, never arrived) raises it by this factor. */
  reviewAfterTrouble: 1.6,
  /** Spam reviews as a share of all reviews. */
  spamReviewShare: 0.045,
};

/** What happens to orders after they are placed. */
export const orders = {
  /** Buyer cancels soon after ordering. */
  buyerCancel: 0.025,
  /** Cash-on-delivery orders the store cannot confirm by phone, and transfers never received. */
  codUnconfirmed: 0.04,
  transferNotReceived: 0.07,
  /** Cash-on-delivery orders refused at the door. */
  codRefused: 0.025,
  /** Orders of fraudulent stores that never arrive (refunded by the platform). */
  fraudNeverArrives: 0.8,
  /** Extra days of a late delivery (uniform). */
  lateDays: [2, 7] as const,
  /** ITBIS (Dominican VAT) on taxable lines. */
  itbis: 0.18,
};

/** Bounds the generated data must stay within (checked by test/simulate-stores-stats.test.ts). */
export const bounds = {
  /** add_to_cart per product_viewed. */
  cartPerView: [0.05, 0.16],
  /** checkout_started per add_to_cart. */
  checkoutPerCart: [0.2, 0.55],
  /** Checkouts that end in at least one purchase_completed. */
  purchasePerCheckout: [0.6, 0.9],
  /** Sessions with a single page view. */
  bounceRate: [0.2, 0.5],
  /** payment_failed per payment attempt (failures + checkouts paid). */
  paymentFailureShare: [0.04, 0.14],
  /** Checkouts with a failed payment that still ended in a purchase. */
  recoveredAfterFailure: [0.35, 0.8],
  /** order_cancelled and order_refunded per purchase_completed. */
  cancelShare: [0.03, 0.12],
  refundShare: [0.015, 0.08],
  /** Average order value (purchase_completed total), DOP. */
  aov: [2500, 12000],
  /** Mean review rating and shares of 5 and 1-2 stars (legitimate reviews: J-shaped). */
  meanRating: [3.6, 4.5],
  fiveStarShare: [0.4, 0.75],
  lowStarShare: [0.06, 0.25],
  /** Low ratings follow trouble: mean rating of reviews of refunded or late orders is at most this. */
  troubledMeanRating: [1, 3],
  /** Share of reviews labelled spam. */
  spamShare: [0.02, 0.08],
  /** Share of searches in Spanish. */
  spanishSearchShare: [0.8, 0.95],
  /** Share of legitimate reviews in Spanish. */
  spanishReviewShare: [0.78, 0.97],
  /** Share of stores (open at some point in history) that churned by its end, over 90 days. */
  storeChurnShare: [0.05, 0.35],
  /** Events per day per buyer of the end-of-history population (default scale sanity). */
  eventsPerBuyerDay: [0.8, 4],
} satisfies Record<string, readonly [number, number]>;
