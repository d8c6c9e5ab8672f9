/** Made-up Dominican people for account traits and seller names: names, e-mail addresses, phone numbers. */
import type { Rng } from './rng.js';

const FIRST = [
  'José',
  'Juan',
  'Luis',
  'Carlos',
  'Miguel',
  'Pedro',
  'Rafael',
  'Francisco',
  'Ramón',
  'Manuel',
  'Wilson',
  'Yunior',
  'Kelvin',
  'Starlin',
  'Alexander',
  'Eduardo',
  'Héctor',
  'Julio',
  'Ángel',
  'Freddy',
  'Roberto',
  'María',
  'Ana',
  'Carmen',
  'Rosa',
  'Yolanda',
  'Altagracia',
  'Mercedes',
  'Yokasta',
  'Yesenia',
  'Laura',
  'Carolina',
  'Paola',
  'Gabriela',
  'Patricia',
  'Daniela',
  'Massiel',
  'Yaritza',
  'Esther',
  'Luz',
  'Wendy',
  'John',
  'Michael',
  'David',
  'Sarah',
  'Emily',
  'Kevin',
];
const LAST = [
  'Rodríguez',
  'Pérez',
  'Martínez',
  'García',
  'Fernández',
  'Santos',
  'Reyes',
  'Gómez',
  'Díaz',
  'Jiménez',
  'Ramírez',
  'Hernández',
  'Sánchez',
  'Peña',
  'Núñez',
  'Castillo',
  'Féliz',
  'Almonte',
  'Mejía',
  'Rosario',
  'Batista',
  'Tavárez',
  'Polanco',
  'Guzmán',
  'Cabrera',
  'Taveras',
  'Vásquez',
  'Encarnación',
  'Acosta',
  'Valdez',
];
const MAIL = ['gmail.com', 'gmail.com', 'gmail.com', 'hotmail.com', 'outlook.com', 'yahoo.com', 'icloud.com'];

export interface Person {
  name: string;
  email: string;
  phone: string;
}

/** Plain ASCII for e-mail local parts. */
export function slug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function phone(rng: Rng): string {
  return `+1${rng.pick(['809', '829', '849'])}${rng.int(2000000, 9999999)}`;
}

export function person(rng: Rng): Person {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const local = `${slug(first)}${rng.pick(['.', '', '_'])}${slug(last)}${rng.chance(0.6) ? rng.int(1, 99) : ''}`;
  return { name: `${first} ${last}`, email: `${local}@${rng.pick(MAIL)}`, phone: phone(rng) };
}

export const lastName = (rng: Rng): string => rng.pick(LAST);
