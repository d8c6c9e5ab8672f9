/**
 * Script-tag entry (bundled as an IIFE): installs the tracker as `window.plaza`. Calls made through the
 * loader snippet before the script arrived (an array of [method, ...args]) are replayed in order:
 *
 *   <script>
 *   !function(w){var p=w.plaza=w.plaza||[];['init','track','page','identify','reset','flush'].forEach(
 *   function(m){p[m]=p[m]||function(){p.push([m].concat([].slice.call(arguments)))}})}(window);
 *   plaza.init({ writeKey: 'wk_...', host: 'https://collect.example.com' });
 *   </script>
 *   <script async src="https://collect.example.com/sdk/plaza.min.js"></script>
 */
import { Tracker } from './tracker.js';

const w = window as unknown as { plaza?: unknown };
const stub = w.plaza;
const tracker = new Tracker();
w.plaza = tracker;
if (Array.isArray(stub)) {
  // init first, wherever the page put it, so that no early call is lost to a missing configuration
  const calls = stub as [string, ...unknown[]][];
  const ordered = calls.filter((c) => c[0] === 'init').concat(calls.filter((c) => c[0] !== 'init'));
  for (const [m, ...args] of ordered) {
    const fn = (tracker as unknown as Record<string, unknown>)[m];
    if (typeof fn === 'function') {
      try {
        fn.apply(tracker, args);
      } catch (e) {
        console.warn('[plaza]', e);
      }
    }
  }
}
