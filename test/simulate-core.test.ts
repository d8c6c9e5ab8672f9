/** The simulator's building blocks: random source, timeline, calendar, price model, search text. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { calendar, INITIAL_SHARE } from '../src/simulate/core/calendar.js';
import { Rng } from '../src/simulate/core/rng.js';
import { Timeline } from '../src/simulate/core/timeline.js';
import { newPrefs } from '../src/simulate/vehicles/buyers.js';
import { market } from '../src/simulate/vehicles/calibration.js';
import { MODELS } from '../src/simulate/vehicles/catalog.js';
import { fairPriceDop, roundPrice } from '../src/simulate/vehicles/pricing.js';
import { drawSearch } from '../src/simulate/vehicles/search.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('Rng', () => {
  test('is a pure function of seed and label', () => {
    const draw = (seed: number, label = '') => {
      const r = new Rng(seed, label);
      return Array.from({ length: 5 }, () => r.float());
    };
    assert.deepEqual(draw(1), draw(1));
    assert.notDeepEqual(draw(1), draw(2));
    assert.notDeepEqual(draw(1), draw(1, 'buyers'));
  });

  test('draws are uniform and in range', () => {
    const r = new Rng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.float();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      const k = r.int(3, 5);
      assert.ok(k >= 3 && k <= 5 && Number.isInteger(k));
    }
    assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
  });

  test('uuids have the version 4 layout and do not repeat', () => {
    const r = new Rng(3);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = r.uuid();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 10_000);
  });
});

describe('Timeline', () => {
  test('pops in time order, ties in scheduling order', () => {
    const t = new Timeline();
    const order: string[] = [];
    const r = new Rng(9);
    const times = Array.from({ length: 500 }, () => r.int(0, 50));
    times.forEach((at, i) => {
      t.schedule(at, () => order.push(`${at}:${i}`));
    });
    let last = -1;
    let lastIndex = -1;
    for (let e = t.pop(); e !== undefined; e = t.pop()) {
      e.action?.(e.at);
      assert.ok(e.at >= last);
      const [, index] = (order[order.length - 1] as string).split(':').map(Number);
      if (e.at === last) assert.ok((index as number) > lastIndex, 'ties keep insertion order');
      last = e.at;
      lastIndex = index as number;
    }
    assert.equal(order.length, 500);
  });
});

describe('calendar', () => {
  const start = Date.UTC(2026, 7, 1); // Saturday 00:00 UTC = Friday 20:00 in Santo Domingo
  const cal = calendar(start, 90);

  test('works in Dominican time (UTC−4)', () => {
    assert.equal(cal.hour(start), 20);
    assert.equal(cal.weekday(start), 5);
    assert.equal(cal.localDate(start), '2026-07-31');
  });

  test('intensity averages 1 over a week, peaks in the evening, dips at night', () => {
    let sum = 0;
    for (let h = 0; h < 168; h++) sum += cal.intensity(start + h * HOUR);
    assert.ok(Math.abs(sum / 168 - 1) < 1e-9);
    const tuesday = start + 4 * DAY; // Tuesday 20:00 local
    assert.ok(cal.intensity(tuesday) > 3 * cal.intensity(tuesday + 8 * HOUR));
  });

  test('the population grows over the history, then levels off', () => {
    assert.equal(cal.growth(start), INITIAL_SHARE);
    assert.ok(Math.abs(cal.growth(cal.historyEnd) - 1) < 1e-9);
    assert.ok(cal.growth(cal.historyEnd + 90 * DAY) > 1);
    assert.ok(cal.growth(cal.historyEnd + 3650 * DAY) <= 2 - INITIAL_SHARE);
  });
});

describe('price model', () => {
  const rav4 = MODELS.find((m) => m.name === 'RAV4');
  assert.ok(rav4);
  const base = {
    model: rav4,
    trimFactor: 1,
    year: 2020,
    mileageKm: 90_000,
    province: 'Santiago',
    condition: 'used' as const,
    atYear: 2026.5,
  };

  test('older and more driven vehicles are worth less; the capital pays more', () => {
    const fair = fairPriceDop(base, market.usdDop);
    assert.ok(fairPriceDop({ ...base, year: 2016 }, market.usdDop) < fair);
    assert.ok(fairPriceDop({ ...base, mileageKm: 190_000 }, market.usdDop) < fair);
    assert.ok(fairPriceDop({ ...base, province: 'Distrito Nacional' }, market.usdDop) > fair);
    assert.ok(fairPriceDop({ ...base, province: 'Elías Piña' }, market.usdDop) < fair);
    // A 6-year-old RAV4 in Santiago: between one and three million pesos.
    assert.ok(fair > 1_000_000 && fair < 3_000_000, String(fair));
  });

  test('prices are rounded the way sellers write them', () => {
    assert.equal(roundPrice(1_347_900, 'DOP'), 1_350_000);
    assert.equal(roundPrice(2_347_900, 'DOP'), 2_350_000);
    assert.equal(roundPrice(87_420, 'DOP'), 87_000);
    assert.equal(roundPrice(18_460, 'USD'), 18_500);
  });
});

describe('search text', () => {
  test('says what the intent says, in the buyer language', () => {
    const r = new Rng(21);
    let typed = 0;
    for (let i = 0; i < 3000; i++) {
      const language = i % 5 === 0 ? 'en' : 'es';
      const prefs = newPrefs(
        r,
        { index: i, accountId: 'u', joinedAt: 0, language, province: 'Santiago', primaryDevice: 'mobile' },
        2026,
      );
      const s = drawSearch(r, prefs, 'Santiago', language);
      if (s.query === '' || s.typo) continue;
      typed++;
      const q = s.query.toLowerCase();
      const i2 = s.intent;
      if (i2.year_min !== undefined)
        assert.ok(q.includes(String(i2.year_min)), `${q} / ${JSON.stringify(i2)}`);
      if (i2.province !== undefined) assert.ok(/santiago|stgo/.test(q), `${q} / ${JSON.stringify(i2)}`);
      if (i2.price_max !== undefined) assert.ok(/mil|millón|millones|\$|dollars|pesos|k\b/.test(q), q);
      if (i2.cheap === true) assert.ok(/barat|económic|oportunidad|cheap/.test(q), q);
      if (language === 'es' && i2.body_type === 'suv' && i2.model === undefined) {
        assert.ok(/yipeta|jeepeta|jipeta|suv/.test(q), q);
      }
      if (language === 'es' && i2.body_type === 'motorcycle' && i2.model === undefined) {
        assert.ok(/pasola|motor|moto/.test(q), q);
      }
    }
    assert.ok(typed > 1500);
  });
});
