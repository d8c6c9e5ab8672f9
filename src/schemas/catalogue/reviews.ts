import { type CatalogueEntry, defineEvent, flag, id, text } from './common.js';

/** Buyer opinions about sellers (the seeds' Review Service: ratings, sentiment, moderation). */
export const reviews: CatalogueEntry[] = [
  defineEvent(
    'review_written',
    'A buyer published a review of a seller (and optionally of the listing, product or order behind it). ' +
      'The text is kept for sentiment analysis and moderation.',
    {
      review_id: id('The review.'),
      seller_id: id('Seller (dealer or store owner) reviewed.'),
      store_id: id('Store reviewed, for the stores vertical.'),
      listing_id: id('Listing the review is about, if any.'),
      product_id: id('Product the review is about, if any.'),
      order_id: id('Order the review is about, if any.'),
      rating: { type: 'integer', minimum: 1, maximum: 5, description: 'Stars given, from 1 to 5.' },
      title: text('Review headline.', 300),
      text: text('Review body as written by the buyer.', 10000),
      language: {
        type: 'string',
        pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$',
        description: 'BCP 47 language tag of the text, e.g. "es" or "es-DO".',
      },
      verified_purchase: flag('Whether the reviewer bought from or was in contact with the seller.'),
    },
    {
      required: ['rating'],
      examples: [
        {
          review_id: 'rev_4410',
          seller_id: 'dlr_052',
          listing_id: 'lst_8841',
          rating: 5,
          title: 'Excelente atención',
          text: 'Me respondieron rápido por WhatsApp y la jeepeta estaba tal cual las fotos.',
          language: 'es-DO',
          verified_purchase: true,
        },
      ],
    },
  ),
];
