/** The project's root folder (where package.json is), for the tools that build, serve or write
 * into the project. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
