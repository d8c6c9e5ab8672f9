import assert from 'node:assert/strict';
import type { TestPlaza } from './plaza.js';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** One HTTP request to a running Plaza; `token` goes as `Authorization: Bearer`, null sends none. */
export async function call(
  url: string,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  refresh_expires_in: number;
  user: { id: string; email: string; role: string; seller_id: string | null };
}

export async function login(
  url: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Tokens> {
  const r = await call(url, 'POST', '/v1/auth/login', null, { email, password }, headers);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as Tokens;
}

export async function refresh(url: string, refreshToken: string): Promise<Answer> {
  return call(url, 'POST', '/v1/auth/refresh', null, { refresh_token: refreshToken });
}

/** Creates a user through the admin API with a known password. */
export async function createUser(
  t: TestPlaza,
  email: string,
  role: 'admin' | 'analyst' | 'seller',
  o: { sellerId?: string; projectId?: string; password?: string } = {},
): Promise<{ id: string; email: string; password: string }> {
  const password = o.password ?? `pass-${email}-0123456789`;
  const r = await t.admin('POST', '/v1/admin/users', {
    email,
    role,
    password,
    ...(o.sellerId ? { seller_id: o.sellerId } : {}),
    ...(o.projectId ? { project_id: o.projectId } : {}),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id, email, password };
}

/** Creates a service key through the admin API; returns its id and secret. */
export async function createServiceKey(
  t: TestPlaza,
  role: 'analyst' | 'seller',
  o: { sellerId?: string; projectId?: string; name?: string } = {},
): Promise<{ id: string; secret: string }> {
  const r = await t.admin('POST', '/v1/admin/service-keys', {
    name: o.name ?? `${role}-key`,
    role,
    ...(o.sellerId ? { seller_id: o.sellerId } : {}),
    ...(o.projectId ? { project_id: o.projectId } : {}),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { id: r.body.id, secret: r.body.secret };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
