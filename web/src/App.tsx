import { type FormEvent, type ReactNode, Suspense, useState } from 'react';
import { ApiError, type Me } from './api';
import { useAuth } from './auth';
import { type Lang, useI18n } from './i18n';
import { findPage, homeOf, pages } from './pages';
import { Link, Redirect, useRoute } from './router';
import { Loading } from './ui';

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="flex items-center gap-1 text-sm">
      <span className="sr-only">{t('language')}</span>
      <select
        aria-label={t('language')}
        data-testid="language"
        className="rounded border border-slate-300 bg-white px-1 py-0.5"
        value={lang}
        onChange={(e) => setLang(e.target.value as Lang)}
      >
        <option value="es">Español</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

/** Links to the pages the signed-in role may open. */
function Nav({ me }: { me: Me }) {
  const { t } = useI18n();
  const { path } = useRoute();
  return (
    <nav className="flex items-center gap-1 text-sm" data-testid="nav">
      {pages
        .filter((p) => p.nav && p.roles.includes(me.role) && !p.pattern.includes(':'))
        .map((p) => (
          <Link
            key={p.pattern}
            to={p.pattern}
            testId={`nav-${p.pattern.slice(1).replaceAll('/', '-')}`}
            className={`rounded px-2 py-1 ${path === p.pattern ? 'bg-indigo-50 font-medium text-indigo-700' : 'text-slate-600 hover:bg-slate-100'}`}
          >
            {t(p.nav!)}
          </Link>
        ))}
    </nav>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const { state, logout } = useAuth();
  const { t } = useI18n();
  const me = state.status === 'signed_in' ? state.me : null;
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-3 px-4 py-3">
          <Link to="/" className="text-lg font-bold text-indigo-700">
            {t('appName')}
          </Link>
          {me && <Nav me={me} />}
          {me && (
            <span className="text-sm text-slate-500" data-testid="whoami">
              {me.user?.email ?? me.kind} · {me.role}
              {me.seller_id ? ` · ${me.seller_id}` : ''}
            </span>
          )}
          <div className="ml-auto flex items-center gap-3">
            <LanguageSwitch />
            {me && (
              <button
                type="button"
                data-testid="logout"
                className="rounded border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100"
                onClick={() => void logout()}
              >
                {t('signOut')}
              </button>
            )}
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-6xl px-4 py-6">{children}</main>
    </div>
  );
}

function SignIn() {
  const { login } = useAuth();
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
    } catch (err) {
      setError(
        err instanceof ApiError && err.code === 'invalid_credentials'
          ? t('invalidCredentials')
          : err instanceof ApiError && err.status === 429
            ? t('tooManyAttempts')
            : `${t('signInFailed')}: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      onSubmit={(e) => void submit(e)}
      className="mx-auto mt-10 flex max-w-sm flex-col gap-3 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
    >
      <h1 className="text-xl font-semibold">{t('signIn')}</h1>
      <label className="flex flex-col gap-1 text-sm">
        {t('email')}
        <input
          name="email"
          type="email"
          autoComplete="username"
          required
          className="rounded border border-slate-300 px-2 py-1.5"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label className="flex flex-col gap-1 text-sm">
        {t('password')}
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          className="rounded border border-slate-300 px-2 py-1.5"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={busy}
        className="rounded bg-indigo-600 px-3 py-2 font-medium text-white hover:bg-indigo-700 disabled:opacity-60"
      >
        {busy ? t('signingIn') : t('signIn')}
      </button>
    </form>
  );
}

function Message({ title, body, testId }: { title: string; body?: string; testId: string }) {
  const { t } = useI18n();
  return (
    <div
      className="mx-auto mt-10 max-w-md rounded-lg border border-slate-200 bg-white p-6 text-center"
      data-testid={testId}
    >
      <h1 className="text-xl font-semibold">{title}</h1>
      {body && <p className="mt-2 text-slate-600">{body}</p>}
      <Link to="/" className="mt-4 inline-block text-indigo-700 underline">
        {t('goHome')}
      </Link>
    </div>
  );
}

function Page() {
  const { state } = useAuth();
  const { path } = useRoute();
  const { t } = useI18n();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'signed_out') {
    if (path !== '/login') return <Redirect to="/login" />;
    return <SignIn />;
  }
  const { me } = state;
  if (path === '/' || path === '/login') return <Redirect to={homeOf(me.role)} />;
  const found = findPage(path);
  if (!found) return <Message title={t('notFoundTitle')} testId="not-found" />;
  if (!found.page.roles.includes(me.role)) {
    return <Message title={t('forbiddenTitle')} body={t('forbiddenBody')} testId="forbidden" />;
  }
  const PageComponent = found.page.component;
  return (
    <Suspense fallback={<Loading />}>
      <PageComponent me={me} params={found.params} />
    </Suspense>
  );
}

export function App() {
  return (
    <Shell>
      <Page />
    </Shell>
  );
}
