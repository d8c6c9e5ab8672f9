/**
 * The vehicles vertical (OKLA, seed 000): a Dominican vehicle classifieds marketplace, plugged into the
 * simulation core (see core/vertical.ts).
 */
import type { Rng } from '../core/rng.js';
import type { AnyVertical, BuyerProfile, Site, VerticalPlugin, Visit, World } from '../core/vertical.js';
import type { SimulationOptions } from '../types.js';
import { newBuyerState, newPrefs, type VehicleBuyerState, type VehiclePrefs } from './buyers.js';
import { dynamics } from './calibration.js';
import { Funnel, type VehicleSession } from './funnel.js';
import { Market } from './sellers.js';

const site: Site = {
  origin: 'https://okla.com.do',
  name: 'OKLA',
  section: 'vehiculos',
  campaigns: [
    'yipetas_fin_de_semana',
    'feria_de_vehiculos',
    'vende_tu_carro',
    'financiamiento_facil',
    'motores_baratos',
  ],
  adTerms: [
    'yipetas en venta',
    'carros usados santo domingo',
    'comprar carro rd',
    'toyota rav4 usada',
    'camionetas doble cabina',
    'pasolas baratas',
  ],
};

class VehiclesVertical implements VerticalPlugin<VehiclePrefs, VehicleBuyerState, VehicleSession> {
  readonly site = site;
  readonly dynamics = dynamics;
  private funnel: Funnel | null = null;
  private thisYear = 2026;

  start(world: World): void {
    this.thisYear = new Date(world.options.start).getUTCFullYear();
    // The funnel hears about purchases from the market; the market is created first, then handed over.
    let funnel: Funnel | null = null;
    const market = new Market(world, {
      purchased: (buyer, listing, at) => funnel?.purchased(buyer, listing, at),
    });
    funnel = new Funnel(world, market);
    this.funnel = funnel;
    market.start();
  }

  newBuyer(profile: BuyerProfile, rng: Rng): { prefs: VehiclePrefs; state: VehicleBuyerState } {
    const prefs = newPrefs(rng, profile, this.thisYear);
    return { prefs, state: newBuyerState(prefs, profile.province) };
  }

  newSession(visit: Visit<VehiclePrefs, VehicleBuyerState, undefined>): VehicleSession {
    return this.running().newSession(visit.rng);
  }

  step(visit: Visit<VehiclePrefs, VehicleBuyerState, VehicleSession>) {
    return this.running().step(visit);
  }

  private running(): Funnel {
    if (this.funnel === null) throw new Error('the vehicles vertical has not been started');
    return this.funnel;
  }
}

export function vehiclesVertical(_options: SimulationOptions): AnyVertical {
  return new VehiclesVertical();
}
