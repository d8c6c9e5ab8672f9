/**
 * What buyers write on a store marketplace: searches in Dominican Spanish and English (with filters implied
 * by the words, and some typos), and reviews whose text follows what happened to the order. Spam reviews
 * reuse a few texts, as spam rings do.
 */
import { PROVINCE_SPELLINGS } from '../core/geo.js';
import type { Rng } from '../core/rng.js';
import type { ProductTemplate } from './products.js';

export type Lang = 'es' | 'en';

export interface QueryParts {
  lang: Lang;
  template: ProductTemplate;
  /** Brand the buyer names, if any. */
  brand: string | null;
  /** Price cap the buyer writes in the query, in DOP. */
  priceMax: number | null;
  /** Says "cheap" without a number. */
  cheap: boolean;
  /** Province the buyer wants delivery to (named in the query). */
  province: string | null;
}

export interface Query {
  text: string;
  /** A letter was dropped, swapped or doubled. */
  typo: boolean;
}

/** "5 mil" for whole thousands, the number otherwise (as people write a price cap). */
const thousands = (n: number): string => (n >= 1000 && n % 1000 === 0 ? `${n / 1000} mil` : String(n));

/** The text a buyer types for these parts. */
export function searchText(rng: Rng, parts: QueryParts): Query {
  const { lang, template } = parts;
  let q = rng.pick(lang === 'es' ? template.es : template.en);
  if (parts.brand !== null && !q.includes(parts.brand.toLowerCase().split(' ')[0] as string)) {
    q = rng.chance(0.75) ? `${q} ${parts.brand.toLowerCase()}` : `${parts.brand.toLowerCase()} ${q}`;
  }
  if (parts.priceMax !== null) {
    const n = parts.priceMax;
    q +=
      lang === 'es'
        ? rng.pick([
            ` menos de ${thousands(n)}`,
            ` hasta ${n}`,
            ` de ${thousands(n)} pesos`,
            ` menos de ${n}`,
          ])
        : rng.pick([` under ${n}`, ` below ${n % 1000 === 0 ? `${n / 1000}k` : n}`, ` under ${n} pesos`]);
  } else if (parts.cheap) {
    q +=
      lang === 'es'
        ? rng.pick([' barato', ' barata', ' economico', ' en oferta', ' buen precio'])
        : rng.pick([' cheap', ' on sale', ' deal']);
  }
  if (parts.province !== null) {
    const spelled = PROVINCE_SPELLINGS[parts.province];
    const where = spelled === undefined ? parts.province.toLowerCase() : rng.pick(spelled);
    q +=
      lang === 'es'
        ? rng.pick([` en ${where}`, ` delivery ${where}`, ` con envio a ${where}`, ` ${where}`])
        : rng.pick([` in ${where}`, ` delivery to ${where}`, ` ${where}`]);
  } else if (rng.chance(0.12)) {
    q +=
      lang === 'es'
        ? rng.pick([' original', ' nuevo', ' con garantia', ' al por mayor', ' pa regalo'])
        : rng.pick([' original', ' new', ' with warranty', ' gift']);
  }
  // Most people type without accents and in lowercase.
  if (rng.chance(0.7)) q = stripAccents(q);
  let typo = false;
  if (rng.chance(0.06)) {
    const edited = misspell(rng, q);
    typo = edited !== q;
    q = edited;
  }
  return { text: q, typo };
}

export function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

function misspell(rng: Rng, q: string): string {
  const positions: number[] = [];
  for (let i = 1; i < q.length - 1; i++)
    if (/[a-z]/.test(q[i] as string) && /[a-z]/.test(q[i + 1] as string)) positions.push(i);
  if (positions.length === 0) return q;
  const i = rng.pick(positions);
  switch (rng.int(0, 2)) {
    case 0:
      return q.slice(0, i) + q.slice(i + 1);
    case 1:
      return q.slice(0, i) + q[i + 1] + q[i] + q.slice(i + 2);
    default:
      return q.slice(0, i) + q[i] + q.slice(i);
  }
}

/** What went wrong (or right) with an order, as a review talks about it. */
export type Issue = 'none' | 'late' | 'defect' | 'not_as_described' | 'size' | 'cancelled' | 'never_arrived';

export type Sentiment = 'positive' | 'neutral' | 'negative';

interface ReviewText {
  title: string;
  text: string;
}

type Templates = Record<Lang, readonly (readonly [string, string])[]>;

const positive: Templates = {
  es: [
    ['Excelente', 'Excelente {item}, llegó rápido y bien empacado. 100% recomendado.'],
    ['Todo perfecto', 'Todo perfecto, la tienda me respondió rápido por WhatsApp. Volveré a comprar.'],
    ['Muy buena calidad', 'Muy buena calidad, tal como en la foto. El delivery llegó en {days} días.'],
    ['Me encantó', 'Me encantó, buena calidad y a buen precio. Gracias {store}.'],
    ['Nítido', 'Nítido todo, llegó a tiempo y el producto es original.'],
    ['Recomendado', 'Brutal, funciona de maravilla. Súper recomendada la tienda.'],
    ['Buena compra', 'Buena compra, el mensajero fue muy amable y llegó antes de lo esperado.'],
  ],
  en: [
    ['Great', 'Great {item}, arrived fast and well packed. Highly recommended.'],
    ['Perfect', 'Everything perfect, the store answered quickly on WhatsApp. Will buy again.'],
    ['Good quality', 'Good quality, exactly like the pictures. Delivery took {days} days.'],
    ['Love it', 'Love it, good quality for the price. Thanks {store}!'],
  ],
};

const neutral: Templates = {
  es: [
    ['Está bien', 'Está bien, pero tardó un poco más de lo esperado.'],
    ['Regular', 'Regular. El producto cumple, aunque el empaque llegó maltratado.'],
    ['Cumple', 'Cumple con lo básico, esperaba mejor calidad por el precio.'],
    ['Más o menos', 'Más o menos, tuve que escribir varias veces para saber dónde estaba mi pedido.'],
  ],
  en: [
    ['OK', 'It is OK, but it took longer than expected.'],
    ['Average', 'Average. The product works, but the box arrived damaged.'],
    ['Fine', 'Does the job, expected better quality for the price.'],
  ],
};

const negative: Record<Exclude<Issue, 'none'> | 'general', Templates> = {
  late: {
    es: [
      ['Muy tarde', 'El pedido llegó {late} días tarde y nadie me avisaba nada.'],
      ['Tardaron demasiado', 'Tardaron demasiado en entregar, no vuelvo a comprar aquí.'],
      ['Pésimo delivery', 'Pésimo el delivery, me dejaron esperando toda la semana.'],
    ],
    en: [
      ['Very late', 'The order arrived {late} days late and nobody told me anything.'],
      ['Too slow', 'Delivery took forever, will not buy here again.'],
    ],
  },
  defect: {
    es: [
      ['Llegó dañado', 'El {item} llegó dañado, tuve que pedir la devolución.'],
      ['Defectuoso', 'Vino defectuoso, no enciende. Mala experiencia.'],
    ],
    en: [
      ['Arrived broken', 'The {item} arrived broken, I had to ask for a refund.'],
      ['Defective', 'Defective product, it does not turn on.'],
    ],
  },
  not_as_described: {
    es: [
      ['No es lo mismo', 'No es lo que describe la publicación. Pedí el reembolso.'],
      ['Engaño', 'Se ve muy diferente a la foto, parece imitación.'],
    ],
    en: [
      ['Not as described', 'Not what the listing says. I asked for my money back.'],
      ['Looks fake', 'Looks nothing like the photos, seems like a knockoff.'],
    ],
  },
  size: {
    es: [
      ['Talla incorrecta', 'La talla no corresponde, me quedó pequeño y el cambio fue un lío.'],
      ['No me sirvió', 'Pedí mi talla de siempre y no me sirvió. Tuve que devolverlo.'],
    ],
    en: [['Wrong size', 'The size runs small, and returning it was a hassle.']],
  },
  cancelled: {
    es: [
      [
        'Me cancelaron',
        'Me cancelaron el pedido porque no tenían el producto. Deberían actualizar el inventario.',
      ],
      ['Cancelado', 'Compré y al otro día me cancelaron sin explicación.'],
    ],
    en: [['Cancelled', 'They cancelled my order because it was out of stock. Update your inventory.']],
  },
  never_arrived: {
    es: [
      ['Estafa', 'Nunca llegó mi pedido y no responden. ¡Cuidado, es una estafa!'],
      ['No llegó', 'Pagué y nunca me llegó nada. Gracias a Dios me devolvieron el dinero.'],
    ],
    en: [['Scam', 'My order never arrived and they do not answer. Be careful, it is a scam!']],
  },
  general: {
    es: [
      ['No lo recomiendo', 'Mala calidad, no lo recomiendo.'],
      ['Decepcionado', 'Muy decepcionado con la compra y con la atención.'],
    ],
    en: [
      ['Disappointed', 'Poor quality, would not recommend.'],
      ['Bad experience', 'Very disappointed with the product and the service.'],
    ],
  },
};

/** A review's title and text for its sentiment and main issue. */
export function reviewText(
  rng: Rng,
  lang: Lang,
  sentiment: Sentiment,
  issue: Issue,
  fill: { item: string; store: string; days: number; late: number },
): ReviewText {
  let table: Templates;
  if (sentiment === 'positive') table = positive;
  else if (sentiment === 'neutral') table = neutral;
  else table = negative[issue === 'none' ? 'general' : issue];
  const [title, text] = rng.pick(table[lang]);
  return {
    title,
    text: text
      .replace('{item}', fill.item)
      .replace('{store}', fill.store)
      .replace('{days}', String(fill.days))
      .replace('{late}', String(fill.late)),
  };
}

/** Spam: self-promotion with five stars, or attacks on a competitor with one. */
export type SpamKind = 'promotion' | 'attack';

const spamTexts: Record<SpamKind, Templates> = {
  promotion: {
    es: [
      [
        'La mejor tienda!!!',
        'Excelente tienda!!! Los mejores precios de RD, escríbenos al WhatsApp {phone} 🔥🔥',
      ],
      ['100% recomendado', 'Recomendado 100% 👍👍👍 síguenos en Instagram @{handle} para más ofertas'],
      ['Ofertas', 'Ofertas todos los días!!! Pregunta por el combo, envíos a todo el país {phone}'],
    ],
    en: [
      ['Best store!!!', 'Best store in DR!!! Follow us on Instagram @{handle} for deals 🔥'],
      ['Amazing', 'Amazing prices!!! WhatsApp {phone} for wholesale'],
    ],
  },
  attack: {
    es: [
      ['ESTAFADORES', 'No compren aquí, son unos estafadores!!! Mejor compren en otra tienda'],
      ['Pésimo', 'Pésimo pésimo pésimo, no pierdan su dinero'],
    ],
    en: [['SCAM', 'SCAM SCAM SCAM do not buy here']],
  },
};

/** A spam review text; the same few texts come back again and again. */
export function spamText(
  rng: Rng,
  kind: SpamKind,
  lang: Lang,
  fill: { phone: string; handle: string },
): ReviewText {
  const [title, text] = rng.pick(spamTexts[kind][lang]);
  return { title, text: text.replace('{phone}', fill.phone).replace('{handle}', fill.handle) };
}
