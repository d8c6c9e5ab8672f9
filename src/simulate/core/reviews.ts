/**
 * Review text: a star rating and a text (Spanish or English) that follow the buyer's latent experience with a
 * seller, and spam reviews (self-promotion, off-topic ads, gibberish praise). Shared by the verticals; the
 * ground truth keeps the experience, its sentiment label, and the spam flag.
 */
import type { Rng } from './rng.js';
import type { Language } from './vertical.js';

export type Sentiment = 'positive' | 'neutral' | 'negative';

/** What happened, so that the text mentions it. */
export interface Experience {
  /** −1 (terrible) .. 1 (excellent). */
  score: number;
  /** The seller answered the buyer. */
  responded: boolean;
  /** The buyer bought (a vehicle, an order). */
  bought: boolean;
  /** The item matched its description and photos. */
  asDescribed: boolean;
  /** The listing turned out to be a scam. */
  scam: boolean;
}

export interface ReviewText {
  rating: number;
  title: string;
  text: string;
  language: string;
  sentiment: Sentiment;
}

const POSITIVE_ES = {
  titles: ['Excelente atención', 'Muy recomendado', 'Todo bien', 'Buen servicio', 'Cumplieron'],
  bits: [
    'el vehículo estaba tal cual las fotos',
    'muy serios y puntuales',
    'el traspaso fue rápido',
    'buen trato de principio a fin',
    'precio justo',
  ],
  closing: ['100% recomendado.', 'Volvería a comprarle.', 'Gente seria.', 'Gracias!'],
};
const NEUTRAL_ES = {
  titles: ['Regular', 'Ni bien ni mal', 'Aceptable', 'Normal'],
  bits: [
    'tardaron un poco en contestar',
    'el carro tenía detalles que no salían en las fotos',
    'al final no nos pusimos de acuerdo con el precio',
    'la atención fue correcta',
  ],
  closing: ['Podría mejorar.', 'Está bien.', 'Nada del otro mundo.'],
};
const NEGATIVE_ES = {
  titles: ['No lo recomiendo', 'Mala experiencia', 'Pésimo servicio', 'Cuidado'],
  bits: ['me cambiaron el precio al llegar', 'me dejaron esperando', 'muy poco serios'],
  closing: ['No vuelvo.', 'Perdí mi tiempo.', 'Tengan cuidado.'],
};
const POSITIVE_EN = {
  titles: ['Great service', 'Highly recommended', 'Smooth deal', 'Very professional'],
  bits: [
    'the car was exactly as in the photos',
    'fair price',
    'paperwork was fast',
    'very professional people',
  ],
  closing: ['Would buy again.', 'Thanks!', 'Recommended.'],
};
const NEUTRAL_EN = {
  titles: ['OK', 'Average', 'Could be better'],
  bits: ['slow to reply', 'some details were not in the photos', 'we did not agree on the price'],
  closing: ['It was fine.', 'Nothing special.'],
};
const NEGATIVE_EN = {
  titles: ['Avoid', 'Bad experience', 'Not recommended'],
  bits: ['they changed the price when I arrived', 'they kept me waiting', 'not serious at all'],
  closing: ['Waste of time.', 'Be careful.'],
};
/** Bits about how the seller answered, and about the vehicle matching its ad, for each language. */
const REPLIED = {
  es: ['me respondieron rápido por WhatsApp', 'contestaron enseguida', 'respondieron todas mis preguntas'],
  en: ['they answered quickly on WhatsApp', 'they replied the same day', 'they answered all my questions'],
};
const NO_REPLY = {
  es: ['nunca contestaron los mensajes', 'me dejaron en visto', 'no devolvieron las llamadas'],
  en: ['they never answered my messages', 'they did not call back'],
};
const NOT_AS_DESCRIBED = {
  es: ['el vehículo no era como en las fotos', 'el kilometraje no era el del anuncio'],
  en: ['the car was not as described', 'the mileage was not the one in the ad'],
};
const SCAM_ES = [
  'Es una estafa, pidieron depósito y desaparecieron.',
  'Pidieron transferencia para separar y luego bloquearon el número. Estafa!',
];
const SCAM_EN = ['Scam. They asked for a deposit and disappeared.'];

const SPAM = [
  {
    text: 'Préstamos rápidos sin garantía, escribe al 809-555-0199!!! www.prestamos-ya.do',
    rating: 5,
    language: 'es',
  },
  {
    text: 'Excelente excelente excelente 100% recomendado!!!! el mejor de todos los dealers!!!!',
    rating: 5,
    language: 'es',
  },
  {
    text: 'Compro carros chocados y con deudas, pago al contado. WhatsApp 829-555-0142',
    rating: 5,
    language: 'es',
  },
  { text: 'Sigueme en instagram @ofertas_rd_oficial para mas ofertas', rating: 4, language: 'es' },
  { text: 'Best deals!!! visit cheap-cars-deals.example.com now, limited offer', rating: 5, language: 'en' },
  { text: 'Ladrones, no compren aquí, mejor vayan a AutoExpress', rating: 1, language: 'es' },
  { text: 'asdf muy bueno bueno bueno', rating: 5, language: 'es' },
];

function sentimentOf(score: number): Sentiment {
  return score > 0.25 ? 'positive' : score < -0.25 ? 'negative' : 'neutral';
}

/** A genuine review following the experience: rating ≈ 3 + 2 × score, text from the same sentiment. */
export function writeReview(rng: Rng, language: Language, e: Experience): ReviewText {
  const rating = Math.max(1, Math.min(5, Math.round(3 + 2 * e.score + 0.45 * rng.normal())));
  const sentiment = sentimentOf(e.score);
  const es = language === 'es';
  const bank =
    sentiment === 'positive'
      ? es
        ? POSITIVE_ES
        : POSITIVE_EN
      : sentiment === 'neutral'
        ? es
          ? NEUTRAL_ES
          : NEUTRAL_EN
        : es
          ? NEGATIVE_ES
          : NEGATIVE_EN;
  let text: string;
  if (e.scam) {
    text = rng.pick(es ? SCAM_ES : SCAM_EN);
  } else {
    const bits: string[] = [];
    const lang = es ? 'es' : 'en';
    if (sentiment === 'positive' && e.responded && rng.chance(0.6)) bits.push(rng.pick(REPLIED[lang]));
    if (sentiment === 'negative' && !e.responded) bits.push(rng.pick(NO_REPLY[lang]));
    if (sentiment === 'negative' && !e.asDescribed) bits.push(rng.pick(NOT_AS_DESCRIBED[lang]));
    while (bits.length < 2) {
      const b = rng.pick(bank.bits);
      if (!bits.includes(b)) bits.push(b);
    }
    const first = bits[0] as string;
    text = `${first.charAt(0).toUpperCase()}${first.slice(1)} y ${bits[1]}. ${rng.pick(bank.closing)}`;
    if (!es) text = text.replace(' y ', ' and ');
    if (e.bought) {
      if (sentiment === 'negative')
        text += es ? ' Compré, pero no quedé conforme.' : ' I bought it and regret it.';
      else text += es ? ' Compré y estoy satisfecho.' : ' I bought it and I am happy with it.';
    }
  }
  return { rating, title: rng.pick(bank.titles), text, language: es ? 'es-DO' : 'en', sentiment };
}

/** A spam review: promotional or off-topic, regardless of any experience. */
export function writeSpam(rng: Rng): ReviewText {
  const s = rng.pick(SPAM);
  return {
    rating: s.rating,
    title: s.rating >= 4 ? '!!!' : 'Cuidado',
    text: s.text,
    language: s.language,
    sentiment: 'neutral',
  };
}
