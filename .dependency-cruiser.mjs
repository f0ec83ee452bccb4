/**
 * `npm run check` runs dependency-cruiser with these rules (docs/DEPENDENCIES.md says why this
 * tool): no import cycle between modules or between folders, and nothing outside test/ imports
 * test/. Type-only imports count too: a cycle through types is still two modules that cannot be
 * understood, tested or moved apart.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-module-cycle',
      severity: 'error',
      comment: 'A module imports itself through others. Move what both need to a third module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      scope: 'folder',
      comment:
        'Two folders import each other (e.g. src/lab <-> src/workers). Dependencies go one way: ' +
        'see docs/ARCHITECTURE.md.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-test',
      severity: 'error',
      comment:
        'The product and its tools never import the tests; shared helpers live in tools/lib.',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|public|coverage|\\.test-output)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs', '.json'] },
  },
};
