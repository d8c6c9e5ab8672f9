/**
 * The Dominican Republic as the simulated marketplaces see it: provinces weighted by population (2022
 * census, rounded), their main municipalities, and a rough purchasing-power index (the capital and Santiago
 * above 1, the south-west border provinces below) that verticals use for price and demand effects.
 */
import { WeightedTable } from './rng.js';

export interface Province {
  name: string;
  /** Population in thousands. */
  population: number;
  cities: readonly string[];
  /** Relative purchasing power, about 1 on average. */
  wealth: number;
}

export const PROVINCES: readonly Province[] = [
  {
    name: 'Santo Domingo',
    population: 2770,
    wealth: 1.0,
    cities: [
      'Santo Domingo Este',
      'Santo Domingo Norte',
      'Santo Domingo Oeste',
      'Los Alcarrizos',
      'Boca Chica',
    ],
  },
  { name: 'Distrito Nacional', population: 1030, wealth: 1.35, cities: ['Santo Domingo de Guzmán'] },
  {
    name: 'Santiago',
    population: 1075,
    wealth: 1.15,
    cities: ['Santiago de los Caballeros', 'Tamboril', 'Villa González', 'Licey al Medio'],
  },
  {
    name: 'San Cristóbal',
    population: 680,
    wealth: 0.9,
    cities: ['San Cristóbal', 'Bajos de Haina', 'Villa Altagracia'],
  },
  {
    name: 'La Altagracia',
    population: 445,
    wealth: 1.1,
    cities: ['Higüey', 'Verón-Punta Cana', 'San Rafael del Yuma'],
  },
  { name: 'La Vega', population: 420, wealth: 0.95, cities: ['La Vega', 'Jarabacoa', 'Constanza'] },
  { name: 'Puerto Plata', population: 330, wealth: 0.95, cities: ['Puerto Plata', 'Sosúa', 'Cabarete'] },
  {
    name: 'San Pedro de Macorís',
    population: 325,
    wealth: 0.9,
    cities: ['San Pedro de Macorís', 'Consuelo'],
  },
  { name: 'Duarte', population: 305, wealth: 0.9, cities: ['San Francisco de Macorís'] },
  { name: 'La Romana', population: 275, wealth: 1.0, cities: ['La Romana', 'Villa Hermosa'] },
  {
    name: 'San Juan',
    population: 233,
    wealth: 0.75,
    cities: ['San Juan de la Maguana', 'Las Matas de Farfán'],
  },
  { name: 'Espaillat', population: 230, wealth: 0.9, cities: ['Moca', 'Gaspar Hernández'] },
  { name: 'Azua', population: 220, wealth: 0.75, cities: ['Azua de Compostela'] },
  { name: 'Monseñor Nouel', population: 190, wealth: 1.0, cities: ['Bonao'] },
  { name: 'Peravia', population: 190, wealth: 0.85, cities: ['Baní'] },
  { name: 'Valverde', population: 190, wealth: 0.85, cities: ['Mao', 'Esperanza'] },
  { name: 'Barahona', population: 190, wealth: 0.75, cities: ['Santa Cruz de Barahona'] },
  { name: 'Monte Plata', population: 190, wealth: 0.7, cities: ['Monte Plata', 'Bayaguana'] },
  { name: 'Sánchez Ramírez', population: 150, wealth: 0.8, cities: ['Cotuí'] },
  { name: 'María Trinidad Sánchez', population: 145, wealth: 0.8, cities: ['Nagua'] },
  { name: 'Monte Cristi', population: 125, wealth: 0.75, cities: ['San Fernando de Monte Cristi'] },
  { name: 'Samaná', population: 110, wealth: 0.85, cities: ['Santa Bárbara de Samaná', 'Las Terrenas'] },
  { name: 'Bahoruco', population: 100, wealth: 0.65, cities: ['Neiba'] },
  { name: 'Hermanas Mirabal', population: 95, wealth: 0.8, cities: ['Salcedo'] },
  { name: 'El Seibo', population: 95, wealth: 0.7, cities: ['Santa Cruz de El Seibo'] },
  { name: 'Hato Mayor', population: 95, wealth: 0.75, cities: ['Hato Mayor del Rey'] },
  { name: 'Dajabón', population: 70, wealth: 0.7, cities: ['Dajabón'] },
  { name: 'Santiago Rodríguez', population: 60, wealth: 0.7, cities: ['San Ignacio de Sabaneta'] },
  { name: 'San José de Ocoa', population: 60, wealth: 0.75, cities: ['San José de Ocoa'] },
  { name: 'Elías Piña', population: 60, wealth: 0.6, cities: ['Comendador'] },
  { name: 'Independencia', population: 60, wealth: 0.6, cities: ['Jimaní'] },
  { name: 'Pedernales', population: 35, wealth: 0.65, cities: ['Pedernales'] },
];

const byName = new Map(PROVINCES.map((p) => [p.name, p]));

export function province(name: string): Province {
  const p = byName.get(name);
  if (p === undefined) throw new Error(`unknown province ${name}`);
  return p;
}

/** Provinces weighted by population, for where people live. */
export const provinceByPopulation = new WeightedTable(
  PROVINCES,
  PROVINCES.map((p) => p.population),
);

/**
 * Provinces weighted for where businesses are: commerce concentrates in the capital area and Santiago more
 * than population does.
 */
export const provinceByCommerce = new WeightedTable(
  PROVINCES,
  PROVINCES.map((p) => p.population * p.wealth * p.wealth),
);

/** How people write a province in searches ("santo domingo", "stgo", "la capital"...). */
export const PROVINCE_SPELLINGS: Readonly<Record<string, readonly string[]>> = {
  'Santo Domingo': ['santo domingo', 'sto dgo', 'sd', 'santo domingo este'],
  'Distrito Nacional': ['la capital', 'distrito nacional', 'el distrito', 'santo domingo'],
  Santiago: ['santiago', 'stgo', 'santiago de los caballeros'],
  'La Vega': ['la vega'],
  'Puerto Plata': ['puerto plata', 'pto plata'],
  'San Cristóbal': ['san cristobal', 'san cristóbal'],
  'La Romana': ['la romana'],
  'La Altagracia': ['higuey', 'higüey', 'punta cana', 'bavaro'],
  'San Pedro de Macorís': ['san pedro', 'san pedro de macoris'],
  Duarte: ['san francisco', 'san francisco de macoris', 'sfm'],
};
