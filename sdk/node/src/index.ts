export { PlazaClient, VERSION } from './client.js';
export { type DeliveryErrorKind, PlazaDeliveryError, type RejectedEvent } from './errors.js';
export type {
  ClientStats,
  FlushResult,
  IdentifyInput,
  NativeEvent,
  PageInput,
  PlazaClientOptions,
  Properties,
  TrackInput,
} from './types.js';
