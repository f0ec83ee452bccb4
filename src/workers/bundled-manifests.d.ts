/** The app's own models' manifests, parsed at build time (tools/build/bundled-manifests-plugin.ts). */
declare module 'virtual:bundled-manifests' {
  import type { RuntimeManifest } from '../model/runtime-manifest';

  const manifests: Record<string, RuntimeManifest>;
  export default manifests;
  /** Per manifest: every file its model loads, as paths on the site. */
  export const modelFiles: Record<string, string[]>;
}
