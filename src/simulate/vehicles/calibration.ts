/**
 * Every tunable of the vehicles vertical in one place, next to the statistical bounds the tests hold the
 * generated data to. Change a behaviour here, run `npm test -- simulate`, and the bounds say whether the
 * world still looks like a vehicle marketplace.
 */
import type { Dynamics } from '../core/vertical.js';

/** Buyers come and go (see Dynamics in core/vertical.ts). */
export const dynamics: Dynamics = {
  churnShare: 0.3,
  churnAfter: { minDays: 10, meanExtraDays: 30 },
  decayDays: 21,
  retainedMeanDaysAfterHistory: 180,
  sessionsPerDay: { median: 0.11, sigma: 0.8 },
  signupPropensity: 0.35,
  registeredAtStart: 0.45,
  secondDeviceShare: 0.2,
  englishShare: 0.1,
  maxPagesPerSession: 60,
};

export const market = {
  /** DOP per USD (Banco Central rate, 2026). */
  usdDop: 60.5,
  /** Share of sellers that are dealerships; the rest are private sellers. */
  dealerShare: 0.2,
  /** Listings a dealer keeps on line: log-normal median and spread. */
  dealerStock: { median: 18, sigma: 0.6 },
  /** Mean days a private seller stays (publication to sale, withdrawal or expiry), to size their arrivals. */
  privateListingLifeDays: 35,
  /** Private sellers with a second vehicle to sell. */
  privateSecondListing: 0.1,
  /** Days a listing of a fairly priced, averagely popular vehicle takes to sell (exponential mean). */
  meanDaysToSale: 38,
  /** Days to sale scale with (price / fair price) to this power: overpriced listings linger. */
  priceElasticity: 4,
  /** Listings expire unsold after this many days. */
  expiryDays: 90,
  /** Sellers of a listing priced above market review the price after 10–25 days... */
  priceReviewDays: [10, 25] as const,
  /** ...and drop it by this share of the price. */
  priceDrop: [0.04, 0.1] as const,
  /** Fraudulent listings are taken down by moderation after this many days (exponential mean). */
  fraudTakedownDays: 2.5,
  /** Share of listings withdrawn by the seller before expiry (sold elsewhere, changed their mind). */
  withdrawnShare: 0.12,
};

/** How asking prices deviate from the price model's fair value. */
export const pricing = {
  /** Log-space noise of every asking price around its fair value. */
  noiseSigma: 0.07,
  /** [share of listings, lowest factor, highest factor] of deliberate mispricing. */
  overpriced: [0.15, 1.12, 1.35] as const,
  underpriced: [0.12, 0.8, 0.92] as const,
  /** Fraudulent listings: far below market, recycled text, pushed to WhatsApp. */
  fraud: [0.02, 0.35, 0.6] as const,
  /** Used vehicles lose this much (log) the moment they leave the dealer. */
  firstOwnerDrop: 0.12,
  /** Log-price change per 100,000 km above the expected mileage for the age. */
  mileagePer100k: -0.22,
  /** Expected km per year. */
  kmPerYear: { car: 16000, motorcycle: 9000 },
  /** Market premium (log) of a body type over its new price: yipetas and pickups are in demand. */
  bodyPremium: {
    sedan: 0,
    suv: 0.08,
    pickup: 0.06,
    hatchback: -0.03,
    minivan: -0.05,
    van: 0,
    coupe: -0.04,
    motorcycle: 0,
  },
  /** Log-price change per unit of province wealth above 1 (see core/geo.ts). */
  provinceEffect: 0.12,
  /** Share of listings priced in USD, by seller kind (luxury makes double it). */
  usdShare: { dealer: 0.3, private: 0.12 },
};

/** Buyer behaviour in sessions. */
export const behaviour = {
  /** Probability that a landing page is the only page of the session, by landing kind. */
  bounce: { home: 0.4, search: 0.33, item: 0.5 },
  /** Returning buyers bounce less (multiplier). */
  returningBounce: 0.75,
  /** Mean extra pages a non-bouncing session has. */
  meanPages: 9,
  /** Share of searches with free text (the rest only use filters). */
  textSearchShare: 0.7,
  /** Share of typed queries with a typo. */
  typoShare: 0.08,
  /** Probability of contacting a seller from a listing page, at full interest, for a buyer who means to buy. */
  contactAtFullInterest: 0.25,
  /** Browsers (window shoppers) contact this much less. */
  browserContactFactor: 0.15,
  /** Contact channels: WhatsApp dominates in the Dominican Republic. */
  channels: { whatsapp: 0.62, phone: 0.22, form: 0.16 },
  /** Share of buyers who mean to buy (the rest browse). */
  intendsToBuy: 0.55,
  /** After buying a vehicle, a buyer's visits drop to this share. */
  activityAfterPurchase: 0.15,
  /** Probability of writing a review of a seller after a contact, and after a purchase. */
  reviewAfterContact: 0.2,
  reviewAfterPurchase: 0.5,
  /** Spam reviews as a share of all reviews. */
  spamReviewShare: 0.05,
};

/** Bounds the generated data must stay within (checked by test/simulate-vehicles-stats.test.ts). */
export const bounds = {
  /** listing_viewed per search event. */
  viewsPerSearch: [0.8, 3.5],
  /** contact_sent per listing_viewed. */
  contactsPerView: [0.02, 0.15],
  /** Sessions with a single page view. */
  bounceRate: [0.25, 0.55],
  /** R² of log asking price explained by log fair price, over listings. */
  priceFitR2: [0.85, 0.99],
  /** R² of an ordinary least squares fit of log price on age, mileage and log new price. */
  hedonicR2: [0.75, 0.99],
  /** Share of buyers with a churn date. */
  churnShare: [0.22, 0.38],
  /** Share of listings labelled fraudulent. */
  fraudShare: [0.01, 0.04],
  /** Share of searches with Spanish text among searches with text. */
  spanishSearchShare: [0.82, 0.96],
  /** Share of reviews labelled spam. */
  spamShare: [0.02, 0.1],
  /**
   * Underpriced listings sell faster than overpriced ones: ratio of median days to sale (over / under) among
   * the sales seen in the history (censored: slow sales past its end are not seen, which compresses it).
   */
  saleSpeedRatio: [1.3, 20],
} as const;
