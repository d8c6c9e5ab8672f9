import { type CatalogueEntry, count, defineEvent, flag, id, oneOf, text } from './common.js';

const contactChannels = ['whatsapp', 'phone', 'form', 'chat', 'email', 'sms', 'other'];

/** Conversions of a classifieds marketplace: a buyer reaching a seller (the seeds' "leads"). */
export const leads: CatalogueEntry[] = [
  defineEvent(
    'contact_sent',
    'A buyer contacted a seller about a listing or product: a lead. Sent when the contact is made ' +
      '(message sent, call button tapped, WhatsApp opened), not when the contact form is shown.',
    {
      channel: oneOf(contactChannels, 'How the buyer reached the seller.'),
      listing_id: id('Listing the buyer asked about.'),
      product_id: id('Product the buyer asked about.'),
      seller_id: id('Seller contacted.'),
      store_id: id('Store contacted.'),
      lead_id: id('Identifier of the lead in the marketplace, to join later outcomes.'),
      message_length: count('Length of the buyer message in characters (the text itself is not needed).'),
      has_phone: flag('Whether the buyer left a phone number.'),
      section: text('Where the contact button was, e.g. "detalle", "galeria", "listado".', 200),
    },
    {
      required: ['channel'],
      examples: [
        {
          channel: 'whatsapp',
          listing_id: 'lst_8841',
          seller_id: 'dlr_052',
          lead_id: 'lead_30017',
          message_length: 86,
          section: 'detalle',
        },
      ],
    },
  ),
  defineEvent(
    'test_drive_requested',
    'A buyer asked a seller for a test drive of a vehicle: the strongest lead a vehicle marketplace sees.',
    {
      listing_id: id('Vehicle to be driven.'),
      seller_id: id('Seller asked.'),
      lead_id: id('Identifier of the lead in the marketplace.'),
      requested_date: {
        type: 'string',
        format: 'date',
        description: 'Day the buyer would like, as YYYY-MM-DD in the marketplace time zone.',
      },
      requested_time: {
        type: 'string',
        pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
        description: 'Time of day the buyer would like, as HH:MM (24 h).',
      },
      location: text('Branch or place proposed, e.g. "Sucursal Av. 27 de Febrero".', 300),
      channel: oneOf(contactChannels, 'How the request was made.'),
    },
    {
      examples: [
        {
          listing_id: 'lst_8841',
          seller_id: 'dlr_052',
          requested_date: '2026-01-17',
          requested_time: '10:30',
          location: 'Sucursal Av. 27 de Febrero',
          channel: 'form',
        },
      ],
    },
  ),
  defineEvent(
    'message_sent',
    'A message was sent in a buyer–seller conversation on the marketplace (either direction). ' +
      'The text itself is not sent; its length and timing are enough for response-time metrics.',
    {
      conversation_id: id('Conversation (thread) the message belongs to.'),
      message_id: id('The message.'),
      sender_role: oneOf(['buyer', 'seller', 'system'], 'Who wrote the message.'),
      recipient_id: id('User receiving the message.'),
      listing_id: id('Listing the conversation is about.'),
      product_id: id('Product the conversation is about.'),
      seller_id: id('Seller taking part in the conversation.'),
      channel: oneOf(contactChannels, 'Channel carrying the conversation.'),
      message_length: count('Length of the message in characters.'),
      has_attachment: flag('Whether a photo or file was attached.'),
      is_first_reply: flag('True for the seller first answer in the conversation (response-time metric).'),
    },
    {
      examples: [
        {
          conversation_id: 'conv_9921',
          message_id: 'msg_1',
          sender_role: 'seller',
          listing_id: 'lst_8841',
          seller_id: 'dlr_052',
          channel: 'chat',
          message_length: 54,
          is_first_reply: true,
        },
      ],
    },
  ),
];
