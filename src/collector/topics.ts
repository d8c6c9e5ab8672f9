import type { PlazaEvent } from '../core/envelope.js';

/**
 * Topics of the event log (seed 001's names). A marketplace's catalogue changes and ML bookkeeping are
 * consumed by other processors than behaviour events, so they get topics of their own.
 */
export const topics = {
  userEvents: 'user-events',
  dealerEvents: 'dealer-events',
  mlEvents: 'ml-events',
  deadLetters: 'dead-letters',
} as const;

export const eventTopics = [topics.userEvents, topics.dealerEvents, topics.mlEvents] as const;

const dealerTypes = new Set([
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
]);
const mlTypes = new Set(['model_trained', 'model_deployed', 'prediction_logged']);

export function topicFor(event: PlazaEvent): string {
  if (dealerTypes.has(event.event_type)) return topics.dealerEvents;
  if (mlTypes.has(event.event_type)) return topics.mlEvents;
  return topics.userEvents;
}

/**
 * Partition key: the visitor. The anonymous id is preferred while present so that one browser's events,
 * before and after it signs in, stay in one partition and in order.
 */
export function partitionKey(event: PlazaEvent): string {
  return `${event.project_id}:${event.anonymous_id ?? event.user_id ?? event.event_id}`;
}
