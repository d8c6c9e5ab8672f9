import { createContext, type ReactNode, useContext, useState } from 'react';

export type Lang = 'en' | 'es';

const en = {
  appName: 'Plaza',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  email: 'Email',
  password: 'Password',
  signOut: 'Sign out',
  invalidCredentials: 'Wrong email or password.',
  tooManyAttempts: 'Too many attempts. Try again in a few minutes.',
  signInFailed: 'Could not sign in',
  loading: 'Loading…',
  errorLoading: 'Could not load this',
  retry: 'Retry',
  noDataYet: 'No data yet',
  warehouseNotBuilt:
    'The warehouse has not been built yet; figures appear after the first daily pipeline run.',
  queryNotAvailable:
    'The analytics API is not available on this server yet; these figures will appear once it is.',
  forbiddenTitle: 'You cannot open this page',
  forbiddenBody: 'Your role does not give access to this page.',
  goHome: 'Go to my dashboard',
  notFoundTitle: 'Page not found',
  dashboard: 'Dashboard',
  sellerDashboard: 'Seller dashboard',
  adminDashboard: 'Admin dashboard',
  seller: 'Seller',
  project: 'Project',
  projectPrompt: 'Which project (marketplace) do you want to see?',
  show: 'Show',
  live: 'Live',
  liveVisitors: 'Visitors (last 5 min)',
  viewsToday: 'Views today',
  updatedAt: 'updated',
  kpis: 'Last 30 days',
  vsPrevious: 'vs previous period',
  topListings: 'Top listings',
  listing: 'Listing',
  views: 'Views',
  leads: 'Leads',
  revenue: 'Revenue',
  orders: 'Orders',
  gmv: 'GMV',
  aov: 'Average order value',
  conversion: 'Conversion',
  visits: 'Visits',
  commissions: 'Commissions',
  uniqueVisitors: 'Unique visitors',
  bounceRate: 'Bounce rate',
  mrr: 'MRR',
  activeSellers: 'Active sellers',
  activeUsers: 'Active users',
  churn: 'Churn',
  overTime: 'Over time',
  summaries: 'Daily summaries and alerts',
  summariesEmpty: 'No summaries or alerts yet. They arrive here once daily reports run for your account.',
  trending: 'Trending listings',
  score: 'Score',
  pipelineRuns: 'Pipeline runs',
  pipeline: 'Pipeline',
  partition: 'Partition',
  trigger: 'Trigger',
  status: 'Status',
  started: 'Created',
  duration: 'Duration',
  rows: 'Rows out',
  noRuns: 'No pipeline runs yet.',
  quality: 'Data quality',
  check: 'Check',
  table: 'Table',
  result: 'Result',
  passed: 'passed',
  failed: 'failed',
  noQuality: 'No quality checks have run yet.',
  deadLetters: 'Dead letters',
  deadLettersCount: 'shown',
  noDeadLetters: 'No dead letters: every event was valid.',
  received: 'Received',
  errors: 'Errors',
  ingestion: 'Ingestion health',
  group: 'Consumer group',
  lag: 'Lag',
  totalLag: 'Total lag',
  caughtUp: 'caught up',
  lagging: 'lagging',
  language: 'Language',
  noProjects: 'No projects yet. Create one with `plaza keys create --create-project`.',
};

export type Key = keyof typeof en;

const es: Record<Key, string> = {
  appName: 'Plaza',
  signIn: 'Iniciar sesión',
  signingIn: 'Iniciando sesión…',
  email: 'Correo electrónico',
  password: 'Contraseña',
  signOut: 'Cerrar sesión',
  invalidCredentials: 'Correo o contraseña incorrectos.',
  tooManyAttempts: 'Demasiados intentos. Vuelve a intentarlo en unos minutos.',
  signInFailed: 'No se pudo iniciar sesión',
  loading: 'Cargando…',
  errorLoading: 'No se pudo cargar',
  retry: 'Reintentar',
  noDataYet: 'Aún no hay datos',
  warehouseNotBuilt:
    'El almacén de datos aún no se ha construido; las cifras aparecerán tras la primera ejecución diaria.',
  queryNotAvailable:
    'La API de analítica aún no está disponible en este servidor; estas cifras aparecerán cuando lo esté.',
  forbiddenTitle: 'No puedes abrir esta página',
  forbiddenBody: 'Tu rol no da acceso a esta página.',
  goHome: 'Ir a mi panel',
  notFoundTitle: 'Página no encontrada',
  dashboard: 'Panel',
  sellerDashboard: 'Panel del vendedor',
  adminDashboard: 'Panel de administración',
  seller: 'Vendedor',
  project: 'Proyecto',
  projectPrompt: '¿Qué proyecto (marketplace) quieres ver?',
  show: 'Ver',
  live: 'En vivo',
  liveVisitors: 'Visitantes (últimos 5 min)',
  viewsToday: 'Vistas hoy',
  updatedAt: 'actualizado',
  kpis: 'Últimos 30 días',
  vsPrevious: 'vs. periodo anterior',
  topListings: 'Anuncios más vistos',
  listing: 'Anuncio',
  views: 'Vistas',
  leads: 'Contactos',
  revenue: 'Ingresos',
  orders: 'Pedidos',
  gmv: 'GMV',
  aov: 'Valor medio del pedido',
  conversion: 'Conversión',
  visits: 'Visitas',
  commissions: 'Comisiones',
  uniqueVisitors: 'Visitantes únicos',
  bounceRate: 'Tasa de rebote',
  mrr: 'MRR',
  activeSellers: 'Vendedores activos',
  activeUsers: 'Usuarios activos',
  churn: 'Abandono',
  overTime: 'Evolución',
  summaries: 'Resúmenes diarios y alertas',
  summariesEmpty: 'Aún no hay resúmenes ni alertas. Llegarán aquí cuando se generen los informes diarios.',
  trending: 'Anuncios en tendencia',
  score: 'Puntuación',
  pipelineRuns: 'Ejecuciones de pipelines',
  pipeline: 'Pipeline',
  partition: 'Partición',
  trigger: 'Disparador',
  status: 'Estado',
  started: 'Creada',
  duration: 'Duración',
  rows: 'Filas escritas',
  noRuns: 'Aún no hay ejecuciones.',
  quality: 'Calidad de datos',
  check: 'Control',
  table: 'Tabla',
  result: 'Resultado',
  passed: 'superado',
  failed: 'fallido',
  noQuality: 'Aún no se ha ejecutado ningún control de calidad.',
  deadLetters: 'Eventos rechazados',
  deadLettersCount: 'mostrados',
  noDeadLetters: 'No hay eventos rechazados: todos fueron válidos.',
  received: 'Recibido',
  errors: 'Errores',
  ingestion: 'Salud de la ingesta',
  group: 'Grupo de consumidores',
  lag: 'Retraso',
  totalLag: 'Retraso total',
  caughtUp: 'al día',
  lagging: 'con retraso',
  language: 'Idioma',
  noProjects: 'Aún no hay proyectos. Crea uno con `plaza keys create --create-project`.',
};

const dictionaries: Record<Lang, Record<Key, string>> = { en, es };
const LANG_KEY = 'plaza.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'en' || saved === 'es') return saved;
  return (navigator.language || 'en').toLowerCase().startsWith('es') ? 'es' : 'en';
}

interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t(key: Key): string;
  num(n: number, o?: Intl.NumberFormatOptions): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const value: I18n = {
    lang,
    setLang(l) {
      localStorage.setItem(LANG_KEY, l);
      document.documentElement.lang = l;
      setLangState(l);
    },
    t: (key) => dictionaries[lang][key],
    num: (n, o) => new Intl.NumberFormat(lang === 'es' ? 'es-DO' : 'en-US', o).format(n),
  };
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
