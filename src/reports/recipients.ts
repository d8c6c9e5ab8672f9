import { Users } from '../accounts/users.js';
import type { StateStore } from '../ports/state.js';
import { Projects } from '../projects/projects.js';

/** E-mail addresses of a seller: its enabled seller accounts, for its project (or for every project). */
export type SellerEmails = (projectId: string, sellerId: string) => string[];

export async function sellerEmails(state: StateStore): Promise<SellerEmails> {
  const users = new Users(state, new Projects(state));
  const bySeller = new Map<string, { email: string; projectId: string | null }[]>();
  let after: string | undefined;
  for (;;) {
    const page = await users.list({ role: 'seller', limit: 1000, ...(after ? { after } : {}) });
    for (const u of page) {
      if (!u.seller_id) continue;
      bySeller.set(u.seller_id, [
        ...(bySeller.get(u.seller_id) ?? []),
        { email: u.email, projectId: u.project_id },
      ]);
    }
    if (page.length < 1000) break;
    after = page[page.length - 1]!.email.toLowerCase();
  }
  return (projectId, sellerId) =>
    (bySeller.get(sellerId) ?? [])
      .filter((u) => u.projectId === null || u.projectId === projectId)
      .map((u) => u.email);
}
