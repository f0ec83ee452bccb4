// The "mini" build of exifr (orientation and GPS only: a third of the full build's size) has
// the API of the package's main entry but no type declarations of its own.
declare module 'exifr/dist/mini.esm.mjs' {
  export { gps, orientation } from 'exifr';
}
