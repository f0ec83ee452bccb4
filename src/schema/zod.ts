/**
 * zod, configured once for every schema of the project. `jitless`: the app's CSP forbids eval,
 * and zod's probe for it (`new Function`), though caught, is reported as a CSP violation (a
 * Lighthouse best-practices failure); the interpreted parser is fast enough for survey batches.
 */
import { z } from 'zod';

z.config({ jitless: true });

export { z };
