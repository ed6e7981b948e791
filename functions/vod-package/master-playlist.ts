import { type MasterVariantInput, renderMasterPlaylist } from '#shared/video/hls-playlist.ts';
import type { TranscodeManifest } from '#shared/video/transcode-manifest.ts';
import type { RenditionFigures } from './verify-renditions.ts';

/**
 * One variant per rendition. BANDWIDTH and AVERAGE-BANDWIDTH are what the segments measured, not
 * what the encoder was asked for: each segment carries the rung's audio with its video, so the
 * measured figures already include audio and container overhead. Rounded up, since BANDWIDTH is an
 * upper bound players size their buffers by.
 */
export function masterVariants(
  manifest: TranscodeManifest,
  figures: readonly RenditionFigures[],
): MasterVariantInput[] {
  return manifest.renditions.map((rendition) => {
    const measured = figures.find((candidate) => candidate.name === rendition.name);
    if (measured === undefined) throw new Error(`no measured figures for rendition ${rendition.name}`);
    return {
      // The master sits in the attempt folder, the folder every manifest path is relative to.
      uri: rendition.playlist,
      bandwidth: Math.max(1, Math.ceil(measured.peakBitrate)),
      averageBandwidth: Math.max(1, Math.ceil(measured.averageBitrate)),
      width: rendition.width,
      height: rendition.height,
      codecs: rendition.codecs,
      frameRate: rendition.frameRate,
    };
  });
}

/** The text of `master.m3u8` for a verified attempt. */
export function buildMasterPlaylist(
  manifest: TranscodeManifest,
  figures: readonly RenditionFigures[],
): string {
  return renderMasterPlaylist(masterVariants(manifest, figures));
}
