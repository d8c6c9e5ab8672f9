export type DeliveryErrorKind = 'rejected' | 'failed' | 'unauthorized' | 'dropped';

export interface RejectedEvent {
  index: number;
  eventId: string | undefined;
  eventType: string | undefined;
  errors: { kind: string; pointer: string; message: string }[];
}

/** Handed to `onError`; never thrown from track() (delivery is asynchronous). */
export class PlazaDeliveryError extends Error {
  constructor(
    readonly kind: DeliveryErrorKind,
    message: string,
    readonly details: { status?: number; events: number; rejections?: RejectedEvent[]; cause?: unknown },
  ) {
    super(message);
    this.name = 'PlazaDeliveryError';
  }
}
