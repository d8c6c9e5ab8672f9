import { type ComponentType, lazy } from 'react';
import type { Me, Role } from './api';
import type { Key } from './i18n';
import { matchPath } from './router';

/** What every page is given: who is signed in and the parameters of its path. */
export interface PageProps {
  me: Me;
  params: Record<string, string>;
}

export interface PageDef {
  /** A path pattern; `:name` segments become params. */
  pattern: string;
  /** Which roles may open it (the API enforces the same on every call; this only spares a useless page). */
  roles: Role[];
  /** Shown in the navigation bar under this label when set. */
  nav?: Key;
  component: ComponentType<PageProps>;
}

// Each page is its own chunk: a seller never downloads the admin screens (and Recharts loads with the first
// page that draws a chart).
const SellerDashboard = lazy(() => import('./seller').then((m) => ({ default: m.SellerDashboard })));
const AdminDashboard = lazy(() => import('./admin').then((m) => ({ default: m.AdminDashboard })));
const ListingPage = lazy(() => import('./listing').then((m) => ({ default: m.ListingPage })));
const ExplorePage = lazy(() => import('./explore').then((m) => ({ default: m.ExplorePage })));

/** The app's pages, first match wins. */
export const pages: PageDef[] = [
  { pattern: '/seller', roles: ['seller'], nav: 'dashboard', component: SellerDashboard },
  { pattern: '/listings/:id', roles: ['seller', 'admin', 'analyst'], component: ListingPage },
  { pattern: '/admin', roles: ['admin', 'analyst'], nav: 'dashboard', component: AdminDashboard },
  { pattern: '/explore', roles: ['admin', 'analyst', 'seller'], nav: 'explore', component: ExplorePage },
];

/** Where each role lands after signing in. */
export const homeOf = (role: Role): string => (role === 'seller' ? '/seller' : '/admin');

export function findPage(path: string): { page: PageDef; params: Record<string, string> } | null {
  for (const page of pages) {
    const params = matchPath(page.pattern, path);
    if (params) return { page, params };
  }
  return null;
}
