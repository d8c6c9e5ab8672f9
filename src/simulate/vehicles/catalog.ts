/**
 * What is bought and sold on a Dominican vehicle marketplace: makes and models with their body type, the
 * price of a new one in the local market (USD, taxes included), trims, how well the make holds its value,
 * and how common the model is on the used market. Toyota, Honda, Hyundai and Kia dominate; yipetas (SUVs)
 * and pickups are in demand; motorcycles ("pasolas", "motores") are everywhere.
 */
import { WeightedTable } from '../core/rng.js';

export type BodyType = 'sedan' | 'suv' | 'pickup' | 'hatchback' | 'minivan' | 'van' | 'coupe' | 'motorcycle';
export type Fuel = 'gasoline' | 'diesel' | 'hybrid' | 'electric' | 'lpg';

export interface Make {
  name: string;
  /** Yearly log-depreciation: Japanese makes keep their value best in the Dominican market. */
  depreciation: number;
  /** Share of the used market. */
  share: number;
  /** Luxury makes: sold more by dealers, more often priced in USD. */
  luxury: boolean;
}

export interface Model {
  make: string;
  name: string;
  body: BodyType;
  /** New price in USD in the Dominican market, base trim. */
  newUsd: number;
  /** Trims with their price multiplier over the base trim. */
  trims: readonly (readonly [string, number])[];
  /** First model year on sale. */
  since: number;
  /** Relative frequency among the make's listings. */
  weight: number;
  /** Possible fuels (first is the usual one); diesel pickups and LPG conversions are common. */
  fuels: readonly Fuel[];
  /** Words buyers use for it besides the name (e.g. "crv" for CR-V, "prado"). */
  aliases?: readonly string[];
}

export const MAKES: readonly Make[] = [
  { name: 'Toyota', depreciation: 0.06, share: 22, luxury: false },
  { name: 'Honda', depreciation: 0.065, share: 13, luxury: false },
  { name: 'Hyundai', depreciation: 0.08, share: 13, luxury: false },
  { name: 'Kia', depreciation: 0.08, share: 11, luxury: false },
  { name: 'Nissan', depreciation: 0.085, share: 7, luxury: false },
  { name: 'Mitsubishi', depreciation: 0.075, share: 4, luxury: false },
  { name: 'Suzuki', depreciation: 0.08, share: 4, luxury: false },
  { name: 'Ford', depreciation: 0.095, share: 4, luxury: false },
  { name: 'Chevrolet', depreciation: 0.1, share: 3.5, luxury: false },
  { name: 'Jeep', depreciation: 0.09, share: 3, luxury: false },
  { name: 'Mazda', depreciation: 0.08, share: 3, luxury: false },
  { name: 'Isuzu', depreciation: 0.07, share: 2, luxury: false },
  { name: 'Mercedes-Benz', depreciation: 0.11, share: 2.5, luxury: true },
  { name: 'BMW', depreciation: 0.12, share: 2, luxury: true },
  { name: 'Lexus', depreciation: 0.07, share: 2, luxury: true },
  { name: 'Yamaha', depreciation: 0.09, share: 2, luxury: false },
  { name: 'Bajaj', depreciation: 0.11, share: 1.5, luxury: false },
];

const gas: readonly Fuel[] = ['gasoline'];
const gasLpg: readonly Fuel[] = ['gasoline', 'lpg'];
const diesel: readonly Fuel[] = ['diesel', 'gasoline'];
const hybrid: readonly Fuel[] = ['gasoline', 'hybrid'];

export const MODELS: readonly Model[] = [
  // Toyota
  {
    make: 'Toyota',
    name: 'Corolla',
    body: 'sedan',
    newUsd: 27000,
    trims: [
      ['LE', 1],
      ['SE', 1.08],
      ['XSE', 1.16],
    ],
    since: 2008,
    weight: 10,
    fuels: hybrid,
  },
  {
    make: 'Toyota',
    name: 'Camry',
    body: 'sedan',
    newUsd: 34000,
    trims: [
      ['LE', 1],
      ['SE', 1.07],
      ['XLE', 1.18],
    ],
    since: 2010,
    weight: 5,
    fuels: hybrid,
  },
  {
    make: 'Toyota',
    name: 'Yaris',
    body: 'hatchback',
    newUsd: 20000,
    trims: [
      ['Core', 1],
      ['XLS', 1.1],
    ],
    since: 2010,
    weight: 5,
    fuels: gas,
  },
  {
    make: 'Toyota',
    name: 'RAV4',
    body: 'suv',
    newUsd: 38000,
    trims: [
      ['LE', 1],
      ['XLE', 1.1],
      ['Limited', 1.25],
    ],
    since: 2010,
    weight: 9,
    fuels: hybrid,
    aliases: ['rav 4'],
  },
  {
    make: 'Toyota',
    name: 'Hilux',
    body: 'pickup',
    newUsd: 42000,
    trims: [
      ['SR', 1],
      ['SRV', 1.12],
      ['GR Sport', 1.3],
    ],
    since: 2008,
    weight: 9,
    fuels: diesel,
  },
  {
    make: 'Toyota',
    name: 'Land Cruiser Prado',
    body: 'suv',
    newUsd: 72000,
    trims: [
      ['TX', 1],
      ['TXL', 1.12],
      ['VX', 1.25],
    ],
    since: 2010,
    weight: 5,
    fuels: diesel,
    aliases: ['prado'],
  },
  {
    make: 'Toyota',
    name: '4Runner',
    body: 'suv',
    newUsd: 55000,
    trims: [
      ['SR5', 1],
      ['TRD Off-Road', 1.1],
      ['Limited', 1.2],
    ],
    since: 2010,
    weight: 3,
    fuels: gas,
    aliases: ['4 runner', 'forerunner'],
  },
  {
    make: 'Toyota',
    name: 'Hiace',
    body: 'van',
    newUsd: 45000,
    trims: [
      ['Estándar', 1],
      ['Commuter', 1.1],
    ],
    since: 2008,
    weight: 2,
    fuels: diesel,
  },
  // Honda
  {
    make: 'Honda',
    name: 'Civic',
    body: 'sedan',
    newUsd: 29000,
    trims: [
      ['LX', 1],
      ['EX', 1.09],
      ['Touring', 1.22],
    ],
    since: 2008,
    weight: 10,
    fuels: gas,
  },
  {
    make: 'Honda',
    name: 'Accord',
    body: 'sedan',
    newUsd: 36000,
    trims: [
      ['LX', 1],
      ['EX-L', 1.12],
      ['Sport', 1.1],
    ],
    since: 2010,
    weight: 4,
    fuels: hybrid,
  },
  {
    make: 'Honda',
    name: 'Fit',
    body: 'hatchback',
    newUsd: 21000,
    trims: [
      ['LX', 1],
      ['EX', 1.08],
    ],
    since: 2009,
    weight: 5,
    fuels: gas,
  },
  {
    make: 'Honda',
    name: 'CR-V',
    body: 'suv',
    newUsd: 39000,
    trims: [
      ['LX', 1],
      ['EX', 1.09],
      ['Touring', 1.22],
    ],
    since: 2008,
    weight: 10,
    fuels: gas,
    aliases: ['crv', 'cr v'],
  },
  {
    make: 'Honda',
    name: 'HR-V',
    body: 'suv',
    newUsd: 30000,
    trims: [
      ['LX', 1],
      ['EX', 1.09],
    ],
    since: 2016,
    weight: 5,
    fuels: gas,
    aliases: ['hrv'],
  },
  {
    make: 'Honda',
    name: 'Pilot',
    body: 'suv',
    newUsd: 48000,
    trims: [
      ['EX', 1],
      ['Touring', 1.15],
    ],
    since: 2010,
    weight: 2,
    fuels: gas,
  },
  {
    make: 'Honda',
    name: 'Odyssey',
    body: 'minivan',
    newUsd: 45000,
    trims: [
      ['EX', 1],
      ['Touring', 1.15],
    ],
    since: 2010,
    weight: 2,
    fuels: gas,
  },
  {
    make: 'Honda',
    name: 'Navi',
    body: 'motorcycle',
    newUsd: 2200,
    trims: [['Estándar', 1]],
    since: 2017,
    weight: 3,
    fuels: gas,
  },
  // Hyundai
  {
    make: 'Hyundai',
    name: 'Elantra',
    body: 'sedan',
    newUsd: 25000,
    trims: [
      ['GL', 1],
      ['GLS', 1.08],
      ['Limited', 1.18],
    ],
    since: 2010,
    weight: 8,
    fuels: gasLpg,
  },
  {
    make: 'Hyundai',
    name: 'Sonata',
    body: 'sedan',
    newUsd: 30000,
    trims: [
      ['GLS', 1],
      ['Limited', 1.15],
    ],
    since: 2010,
    weight: 7,
    fuels: gasLpg,
  },
  {
    make: 'Hyundai',
    name: 'Accent',
    body: 'sedan',
    newUsd: 19000,
    trims: [
      ['GL', 1],
      ['GLS', 1.07],
    ],
    since: 2010,
    weight: 6,
    fuels: gasLpg,
  },
  {
    make: 'Hyundai',
    name: 'Tucson',
    body: 'suv',
    newUsd: 34000,
    trims: [
      ['GL', 1],
      ['GLS', 1.08],
      ['Limited', 1.18],
    ],
    since: 2010,
    weight: 8,
    fuels: gas,
  },
  {
    make: 'Hyundai',
    name: 'Santa Fe',
    body: 'suv',
    newUsd: 40000,
    trims: [
      ['GLS', 1],
      ['Limited', 1.15],
    ],
    since: 2010,
    weight: 5,
    fuels: diesel,
  },
  {
    make: 'Hyundai',
    name: 'Creta',
    body: 'suv',
    newUsd: 24000,
    trims: [
      ['GL', 1],
      ['GLS', 1.08],
    ],
    since: 2016,
    weight: 4,
    fuels: gas,
  },
  {
    make: 'Hyundai',
    name: 'H1',
    body: 'minivan',
    newUsd: 36000,
    trims: [
      ['Estándar', 1],
      ['Full', 1.1],
    ],
    since: 2009,
    weight: 2,
    fuels: diesel,
    aliases: ['h-1', 'starex'],
  },
  // Kia
  {
    make: 'Kia',
    name: 'Picanto',
    body: 'hatchback',
    newUsd: 15000,
    trims: [
      ['LX', 1],
      ['EX', 1.08],
    ],
    since: 2011,
    weight: 8,
    fuels: gas,
  },
  {
    make: 'Kia',
    name: 'Rio',
    body: 'sedan',
    newUsd: 18500,
    trims: [
      ['LX', 1],
      ['EX', 1.08],
    ],
    since: 2011,
    weight: 5,
    fuels: gas,
  },
  {
    make: 'Kia',
    name: 'K5',
    body: 'sedan',
    newUsd: 30000,
    trims: [
      ['LX', 1],
      ['GT-Line', 1.15],
    ],
    since: 2011,
    weight: 6,
    fuels: gasLpg,
    aliases: ['optima'],
  },
  {
    make: 'Kia',
    name: 'Sportage',
    body: 'suv',
    newUsd: 33000,
    trims: [
      ['LX', 1],
      ['EX', 1.09],
      ['SX', 1.2],
    ],
    since: 2010,
    weight: 8,
    fuels: gas,
  },
  {
    make: 'Kia',
    name: 'Sorento',
    body: 'suv',
    newUsd: 40000,
    trims: [
      ['LX', 1],
      ['EX', 1.12],
    ],
    since: 2010,
    weight: 4,
    fuels: diesel,
  },
  {
    make: 'Kia',
    name: 'Seltos',
    body: 'suv',
    newUsd: 26000,
    trims: [
      ['LX', 1],
      ['EX', 1.08],
    ],
    since: 2020,
    weight: 3,
    fuels: gas,
  },
  // Nissan
  {
    make: 'Nissan',
    name: 'Sentra',
    body: 'sedan',
    newUsd: 24000,
    trims: [
      ['S', 1],
      ['SV', 1.07],
      ['SR', 1.14],
    ],
    since: 2010,
    weight: 6,
    fuels: gas,
  },
  {
    make: 'Nissan',
    name: 'Versa',
    body: 'sedan',
    newUsd: 19000,
    trims: [
      ['S', 1],
      ['SV', 1.07],
    ],
    since: 2012,
    weight: 4,
    fuels: gas,
  },
  {
    make: 'Nissan',
    name: 'Frontier',
    body: 'pickup',
    newUsd: 38000,
    trims: [
      ['S', 1],
      ['SE', 1.1],
      ['LE', 1.2],
    ],
    since: 2008,
    weight: 6,
    fuels: diesel,
    aliases: ['navara'],
  },
  {
    make: 'Nissan',
    name: 'X-Trail',
    body: 'suv',
    newUsd: 33000,
    trims: [
      ['Sense', 1],
      ['Advance', 1.1],
      ['Exclusive', 1.2],
    ],
    since: 2010,
    weight: 4,
    fuels: gas,
    aliases: ['xtrail'],
  },
  {
    make: 'Nissan',
    name: 'Kicks',
    body: 'suv',
    newUsd: 23000,
    trims: [
      ['S', 1],
      ['SV', 1.08],
    ],
    since: 2017,
    weight: 3,
    fuels: gas,
  },
  {
    make: 'Nissan',
    name: 'Pathfinder',
    body: 'suv',
    newUsd: 45000,
    trims: [
      ['S', 1],
      ['Platinum', 1.2],
    ],
    since: 2010,
    weight: 2,
    fuels: gas,
  },
  // Mitsubishi
  {
    make: 'Mitsubishi',
    name: 'L200',
    body: 'pickup',
    newUsd: 36000,
    trims: [
      ['GL', 1],
      ['GLS', 1.12],
    ],
    since: 2008,
    weight: 6,
    fuels: diesel,
    aliases: ['l 200'],
  },
  {
    make: 'Mitsubishi',
    name: 'Montero Sport',
    body: 'suv',
    newUsd: 45000,
    trims: [
      ['GLS', 1],
      ['Limited', 1.15],
    ],
    since: 2010,
    weight: 5,
    fuels: diesel,
    aliases: ['montero'],
  },
  {
    make: 'Mitsubishi',
    name: 'Outlander',
    body: 'suv',
    newUsd: 34000,
    trims: [
      ['ES', 1],
      ['SEL', 1.12],
    ],
    since: 2012,
    weight: 3,
    fuels: gas,
  },
  {
    make: 'Mitsubishi',
    name: 'Mirage',
    body: 'hatchback',
    newUsd: 15500,
    trims: [
      ['ES', 1],
      ['GLS', 1.08],
    ],
    since: 2014,
    weight: 3,
    fuels: gas,
  },
  // Suzuki
  {
    make: 'Suzuki',
    name: 'Swift',
    body: 'hatchback',
    newUsd: 17500,
    trims: [
      ['GL', 1],
      ['GLX', 1.09],
    ],
    since: 2010,
    weight: 6,
    fuels: gas,
  },
  {
    make: 'Suzuki',
    name: 'Vitara',
    body: 'suv',
    newUsd: 26000,
    trims: [
      ['GL', 1],
      ['GLX', 1.1],
    ],
    since: 2015,
    weight: 4,
    fuels: gas,
  },
  {
    make: 'Suzuki',
    name: 'Jimny',
    body: 'suv',
    newUsd: 27000,
    trims: [
      ['GL', 1],
      ['GLX', 1.08],
    ],
    since: 2019,
    weight: 2,
    fuels: gas,
  },
  {
    make: 'Suzuki',
    name: 'AX100',
    body: 'motorcycle',
    newUsd: 1500,
    trims: [['Estándar', 1]],
    since: 2008,
    weight: 4,
    fuels: gas,
    aliases: ['ax 100', 'ax'],
  },
  // Ford
  {
    make: 'Ford',
    name: 'Explorer',
    body: 'suv',
    newUsd: 48000,
    trims: [
      ['XLT', 1],
      ['Limited', 1.15],
      ['Platinum', 1.3],
    ],
    since: 2011,
    weight: 4,
    fuels: gas,
  },
  {
    make: 'Ford',
    name: 'F-150',
    body: 'pickup',
    newUsd: 52000,
    trims: [
      ['XL', 1],
      ['XLT', 1.12],
      ['Lariat', 1.28],
    ],
    since: 2010,
    weight: 4,
    fuels: gas,
    aliases: ['f150'],
  },
  {
    make: 'Ford',
    name: 'Ranger',
    body: 'pickup',
    newUsd: 38000,
    trims: [
      ['XL', 1],
      ['XLT', 1.12],
      ['Wildtrak', 1.25],
    ],
    since: 2012,
    weight: 4,
    fuels: diesel,
  },
  {
    make: 'Ford',
    name: 'Escape',
    body: 'suv',
    newUsd: 31000,
    trims: [
      ['S', 1],
      ['SE', 1.08],
      ['Titanium', 1.2],
    ],
    since: 2012,
    weight: 3,
    fuels: gas,
  },
  // Chevrolet
  {
    make: 'Chevrolet',
    name: 'Tahoe',
    body: 'suv',
    newUsd: 65000,
    trims: [
      ['LT', 1],
      ['Premier', 1.18],
    ],
    since: 2010,
    weight: 3,
    fuels: gas,
  },
  {
    make: 'Chevrolet',
    name: 'Silverado',
    body: 'pickup',
    newUsd: 50000,
    trims: [
      ['LT', 1],
      ['LTZ', 1.15],
    ],
    since: 2010,
    weight: 3,
    fuels: gas,
  },
  {
    make: 'Chevrolet',
    name: 'Spark',
    body: 'hatchback',
    newUsd: 14000,
    trims: [
      ['LS', 1],
      ['LT', 1.08],
    ],
    since: 2012,
    weight: 4,
    fuels: gas,
  },
  {
    make: 'Chevrolet',
    name: 'Equinox',
    body: 'suv',
    newUsd: 31000,
    trims: [
      ['LS', 1],
      ['LT', 1.1],
    ],
    since: 2012,
    weight: 3,
    fuels: gas,
  },
  // Jeep
  {
    make: 'Jeep',
    name: 'Wrangler',
    body: 'suv',
    newUsd: 48000,
    trims: [
      ['Sport', 1],
      ['Sahara', 1.12],
      ['Rubicon', 1.25],
    ],
    since: 2010,
    weight: 5,
    fuels: gas,
  },
  {
    make: 'Jeep',
    name: 'Grand Cherokee',
    body: 'suv',
    newUsd: 52000,
    trims: [
      ['Laredo', 1],
      ['Limited', 1.15],
      ['Overland', 1.28],
    ],
    since: 2010,
    weight: 5,
    fuels: gas,
  },
  {
    make: 'Jeep',
    name: 'Compass',
    body: 'suv',
    newUsd: 32000,
    trims: [
      ['Sport', 1],
      ['Limited', 1.15],
    ],
    since: 2012,
    weight: 3,
    fuels: gas,
  },
  // Mazda
  {
    make: 'Mazda',
    name: 'Mazda3',
    body: 'sedan',
    newUsd: 26000,
    trims: [
      ['Sport', 1],
      ['Grand Touring', 1.15],
    ],
    since: 2010,
    weight: 4,
    fuels: gas,
    aliases: ['mazda 3'],
  },
  {
    make: 'Mazda',
    name: 'CX-5',
    body: 'suv',
    newUsd: 34000,
    trims: [
      ['Sport', 1],
      ['Grand Touring', 1.15],
    ],
    since: 2013,
    weight: 5,
    fuels: gas,
    aliases: ['cx5'],
  },
  {
    make: 'Mazda',
    name: 'CX-30',
    body: 'suv',
    newUsd: 28000,
    trims: [
      ['Sport', 1],
      ['Grand Touring', 1.12],
    ],
    since: 2020,
    weight: 2,
    fuels: gas,
    aliases: ['cx30'],
  },
  {
    make: 'Mazda',
    name: 'BT-50',
    body: 'pickup',
    newUsd: 36000,
    trims: [
      ['Base', 1],
      ['Full', 1.12],
    ],
    since: 2010,
    weight: 2,
    fuels: diesel,
    aliases: ['bt50'],
  },
  // Isuzu
  {
    make: 'Isuzu',
    name: 'D-Max',
    body: 'pickup',
    newUsd: 36000,
    trims: [
      ['LS', 1],
      ['V-Cross', 1.14],
    ],
    since: 2010,
    weight: 6,
    fuels: diesel,
    aliases: ['dmax'],
  },
  {
    make: 'Isuzu',
    name: 'MU-X',
    body: 'suv',
    newUsd: 42000,
    trims: [
      ['LS', 1],
      ['Premium', 1.12],
    ],
    since: 2015,
    weight: 2,
    fuels: diesel,
    aliases: ['mux'],
  },
  // Mercedes-Benz
  {
    make: 'Mercedes-Benz',
    name: 'C 300',
    body: 'sedan',
    newUsd: 58000,
    trims: [
      ['Avantgarde', 1],
      ['AMG Line', 1.12],
    ],
    since: 2012,
    weight: 4,
    fuels: gas,
    aliases: ['clase c', 'c300'],
  },
  {
    make: 'Mercedes-Benz',
    name: 'GLC 300',
    body: 'suv',
    newUsd: 68000,
    trims: [
      ['Base', 1],
      ['AMG Line', 1.12],
    ],
    since: 2016,
    weight: 4,
    fuels: gas,
    aliases: ['glc'],
  },
  {
    make: 'Mercedes-Benz',
    name: 'GLE 450',
    body: 'suv',
    newUsd: 92000,
    trims: [
      ['Base', 1],
      ['AMG Line', 1.12],
    ],
    since: 2016,
    weight: 2,
    fuels: gas,
    aliases: ['gle'],
  },
  // BMW
  {
    make: 'BMW',
    name: '330i',
    body: 'sedan',
    newUsd: 56000,
    trims: [
      ['Sport', 1],
      ['M Sport', 1.1],
    ],
    since: 2012,
    weight: 3,
    fuels: gas,
    aliases: ['serie 3'],
  },
  {
    make: 'BMW',
    name: 'X3',
    body: 'suv',
    newUsd: 62000,
    trims: [
      ['sDrive30i', 1],
      ['xDrive30i', 1.08],
    ],
    since: 2012,
    weight: 3,
    fuels: gas,
  },
  {
    make: 'BMW',
    name: 'X5',
    body: 'suv',
    newUsd: 88000,
    trims: [
      ['xDrive40i', 1],
      ['M Sport', 1.12],
    ],
    since: 2012,
    weight: 2,
    fuels: gas,
  },
  {
    make: 'BMW',
    name: '420i',
    body: 'coupe',
    newUsd: 60000,
    trims: [
      ['Sport', 1],
      ['M Sport', 1.1],
    ],
    since: 2014,
    weight: 1,
    fuels: gas,
  },
  // Lexus
  {
    make: 'Lexus',
    name: 'RX 350',
    body: 'suv',
    newUsd: 70000,
    trims: [
      ['Base', 1],
      ['F Sport', 1.12],
    ],
    since: 2010,
    weight: 4,
    fuels: hybrid,
    aliases: ['rx'],
  },
  {
    make: 'Lexus',
    name: 'NX 300',
    body: 'suv',
    newUsd: 55000,
    trims: [
      ['Base', 1],
      ['F Sport', 1.1],
    ],
    since: 2015,
    weight: 3,
    fuels: hybrid,
    aliases: ['nx'],
  },
  {
    make: 'Lexus',
    name: 'IS 300',
    body: 'sedan',
    newUsd: 50000,
    trims: [
      ['Base', 1],
      ['F Sport', 1.1],
    ],
    since: 2012,
    weight: 1,
    fuels: gas,
  },
  // Motorcycles
  {
    make: 'Yamaha',
    name: 'Crypton',
    body: 'motorcycle',
    newUsd: 1900,
    trims: [['Estándar', 1]],
    since: 2010,
    weight: 4,
    fuels: gas,
  },
  {
    make: 'Yamaha',
    name: 'FZ 2.0',
    body: 'motorcycle',
    newUsd: 2800,
    trims: [['Estándar', 1]],
    since: 2014,
    weight: 2,
    fuels: gas,
    aliases: ['fz'],
  },
  {
    make: 'Bajaj',
    name: 'Pulsar 180',
    body: 'motorcycle',
    newUsd: 2400,
    trims: [['Estándar', 1]],
    since: 2012,
    weight: 4,
    fuels: gas,
    aliases: ['pulsar'],
  },
  {
    make: 'Bajaj',
    name: 'Boxer 150',
    body: 'motorcycle',
    newUsd: 1600,
    trims: [['Estándar', 1]],
    since: 2012,
    weight: 3,
    fuels: gas,
    aliases: ['boxer'],
  },
];

export const BODY_TYPES: readonly BodyType[] = [
  'sedan',
  'suv',
  'pickup',
  'hatchback',
  'minivan',
  'van',
  'coupe',
  'motorcycle',
];

const makeByName = new Map(MAKES.map((m) => [m.name, m]));
export function make(name: string): Make {
  const m = makeByName.get(name);
  if (m === undefined) throw new Error(`unknown make ${name}`);
  return m;
}

export const modelsByMake = new Map<string, Model[]>();
for (const m of MODELS) {
  const list = modelsByMake.get(m.make) ?? [];
  list.push(m);
  modelsByMake.set(m.make, list);
}

/** Models weighted by their share of the used market (make share × model weight within the make). */
export const modelsByMarketShare = new WeightedTable(
  MODELS,
  MODELS.map((m) => {
    const list = modelsByMake.get(m.make) ?? [];
    const makeWeight = list.reduce((s, x) => s + x.weight, 0);
    return (make(m.make).share * m.weight) / makeWeight;
  }),
);

export const COLORS_ES = [
  'Blanco',
  'Blanco perla',
  'Negro',
  'Gris',
  'Gris plomo',
  'Plateado',
  'Rojo',
  'Azul',
  'Azul marino',
  'Vino',
  'Beige',
  'Verde',
];
const COLORS_EN: Readonly<Record<string, string>> = {
  Blanco: 'White',
  'Blanco perla': 'Pearl white',
  Negro: 'Black',
  Gris: 'Grey',
  'Gris plomo': 'Gunmetal grey',
  Plateado: 'Silver',
  Rojo: 'Red',
  Azul: 'Blue',
  'Azul marino': 'Navy blue',
  Vino: 'Burgundy',
  Beige: 'Beige',
  Verde: 'Green',
};
export const colorInEnglish = (es: string): string => COLORS_EN[es] ?? es;
