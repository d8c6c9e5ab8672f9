import { type CatalogueEntry, defineEvent, id, oneOf, text } from './common.js';

const authMethods = ['email', 'phone', 'google', 'facebook', 'apple', 'sso', 'magic_link', 'other'];

/**
 * Accounts and identity. identify, alias and group are the Segment calls of the same names: their payload
 * is mostly in the envelope (user_id, traits), so their properties are open.
 */
export const identity: CatalogueEntry[] = [
  defineEvent(
    'signed_up',
    'A visitor created an account (buyer, private seller, dealer or store owner). Send it from the server ' +
      'once the account exists.',
    {
      method: oneOf(authMethods, 'How the account was created.'),
      role: oneOf(['buyer', 'seller', 'dealer', 'store_owner'], 'What the account is for.'),
      referral_code: text('Referral or invitation code used, if any.', 100),
      plan: text('Subscription plan chosen by sellers, e.g. "basico", "pro".', 100),
    },
    { examples: [{ method: 'google', role: 'buyer' }] },
  ),
  defineEvent(
    'logged_in',
    'A user signed in. Together with signed_up it separates new from returning users.',
    {
      method: oneOf(authMethods, 'How the user signed in.'),
      role: oneOf(['buyer', 'seller', 'dealer', 'store_owner', 'admin'], 'Role of the account.'),
    },
    { examples: [{ method: 'phone', role: 'dealer' }] },
  ),
  defineEvent(
    'identify',
    'Ties the anonymous visitor to a known user and records their traits (in the envelope traits, ' +
      'never in properties when they are personal data).',
    {},
    { examples: [{}] },
  ),
  defineEvent(
    'alias',
    'Declares that two user identifiers are the same person (e.g. a pre-signup id and the account id).',
    { previous_id: id('The identifier being merged into the event user_id.') },
    { examples: [{ previous_id: 'anon_7f3c2a' }] },
  ),
  defineEvent(
    'group',
    'Associates the user with a group: for a marketplace, usually the dealership or store they work for.',
    {
      group_id: id('The group (dealership, store, company).'),
      group_type: text('Kind of group, e.g. "dealer" or "store".', 100),
    },
    { examples: [{ group_id: 'dlr_052', group_type: 'dealer' }] },
  ),
];
