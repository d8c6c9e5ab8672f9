/**
 * The marketplace simulator: a pure, deterministic generator of the events a marketplace would send Plaza
 * (see README.md in this folder). The only I/O is the ground-truth files.
 */
import { createEngine } from './core/engine.js';
import type { AnyVertical } from './core/vertical.js';
import { storesVertical } from './stores/index.js';
import type { Simulation, SimulationOptions } from './types.js';
import { vehiclesVertical } from './vehicles/index.js';

export type { SimEvent, Simulation, SimulationOptions, Vertical } from './types.js';

/** Buyers at the end of history by default: about 720k events over 90 days of vehicles. */
export const defaultUsers = 8000;
/** Dealers and private sellers (vehicles) or stores by default. */
export const defaultSellers = 500;
export const defaultDays = 90;

function verticalFor(options: SimulationOptions): AnyVertical {
  switch (options.vertical) {
    case 'vehicles':
      return vehiclesVertical(options);
    case 'stores':
      return storesVertical(options);
    default:
      throw new Error(`unknown vertical ${JSON.stringify(options.vertical)}: use vehicles or stores`);
  }
}

export function createSimulation(options: SimulationOptions): Simulation {
  for (const key of ['days', 'users', 'sellers'] as const) {
    const v = options[key];
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${key} must be a positive number, got ${v}`);
  }
  if (!Number.isFinite(options.start))
    throw new RangeError(`start must be a UTC time in ms, got ${options.start}`);
  if (!Number.isInteger(options.seed)) throw new RangeError(`seed must be an integer, got ${options.seed}`);
  return createEngine(options, verticalFor(options));
}
