// hls.js's light build (no captions, subtitles, alternate audio, EME or CMCD: the watch page needs
// none) is the same API as the full one; its package export has no types of its own.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
