/** ES module entry of the browser tracker: `import { plaza } from '.../plaza.esm.js'; plaza.init({...})`. */
import { Tracker } from './tracker.js';

export { VERSION } from './page.js';
export { Tracker } from './tracker.js';
export type { EventContext, NativeEvent, PlazaOptions, Properties } from './types.js';

/** The page's tracker. */
export const plaza = new Tracker();
export const Plaza = plaza;
export default plaza;
