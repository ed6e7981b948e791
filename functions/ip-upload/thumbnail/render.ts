import { encodePng } from './png.ts';
import type { TriangleSample } from './triangle-sample.ts';

/**
 * CPU-only mesh thumbnails: orthographic isometric view, z-buffer, flat Lambert shading, 2×2
 * supersampling. No GPU, no native modules, so it runs in any function container.
 */

export type Rgb = readonly [number, number, number];

export interface ThumbnailOptions {
  /** Width and height in pixels; default 256. */
  size?: number;
  background?: Rgb;
  color?: Rgb;
}

/** An opaque image: `rgba` has 4 bytes per pixel, rows top to bottom, alpha always 255. */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

const DEFAULT_SIZE = 256;
// Supersampled buffers at 1024 px are ~28 MB; anything bigger is not a thumbnail.
const MAX_SIZE = 1024;
const DEFAULT_BACKGROUND: Rgb = [245, 246, 248];
const DEFAULT_COLOR: Rgb = [78, 142, 214];
const SUPERSAMPLING = 2;
/** Fraction of the image left empty on each side, so the part does not touch the border. */
const MARGIN = 0.06;
const AMBIENT = 0.3;
const DIFFUSE = 0.7;
/** Below this screen area (supersampled px²) a triangle covers no sample point worth testing. */
const MIN_SCREEN_AREA = 1e-9;

/*
 * Camera: true isometric with world +Z up, the convention of slicers and CAD. The viewer looks
 * from direction (1, -1, 1), i.e. turned 45° about Z then raised 35.26° (atan(1/√2)), so the top
 * (+Z), front (-Y) and right (+X) faces of a box all show, equally foreshortened. View axes
 * (orthonormal, right-handed): x to the right, y up the screen, z toward the viewer.
 */
const RIGHT_X = 1 / Math.SQRT2;
const RIGHT_Y = 1 / Math.SQRT2;
const UP_X = -1 / Math.sqrt(6);
const UP_Y = 1 / Math.sqrt(6);
const UP_Z = 2 / Math.sqrt(6);
const TOWARD_X = 1 / Math.sqrt(3);
const TOWARD_Y = -1 / Math.sqrt(3);
const TOWARD_Z = 1 / Math.sqrt(3);

/*
 * Light in view space, from the upper left and in front, so the three visible faces of a box get
 * clearly different shades (top brightest, left face middle, right face darkest).
 */
const LIGHT_LENGTH = Math.hypot(-0.45, 0.65, 1);
const LIGHT_X = -0.45 / LIGHT_LENGTH;
const LIGHT_Y = 0.65 / LIGHT_LENGTH;
const LIGHT_Z = 1 / LIGHT_LENGTH;

/** Renders the sample as a `size`×`size` RGB PNG; an empty sample gives a plain background image. */
export function renderThumbnail(sample: TriangleSample, options: ThumbnailOptions = {}): Buffer {
  const image = rasterizeThumbnail(sample, options);
  return encodePng(image.width, image.height, image.rgba, { alpha: false });
}

/** The pixels behind `renderThumbnail`, for callers (and tests) that want them undecoded. */
export function rasterizeThumbnail(sample: TriangleSample, options: ThumbnailOptions = {}): RasterImage {
  const size = options.size ?? DEFAULT_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE) {
    throw new RangeError(`thumbnail size must be an integer from 1 to ${MAX_SIZE}, got ${size}`);
  }
  const background = checkedColor('background', options.background ?? DEFAULT_BACKGROUND);
  const color = checkedColor('color', options.color ?? DEFAULT_COLOR);

  const canvas = new Canvas(size * SUPERSAMPLING, background);
  const coordinates = sample.coordinates;
  const view = fitToView(coordinates, canvas.size);
  if (view) drawTriangles(coordinates, view, canvas, color);
  return canvas.downsample(SUPERSAMPLING);
}

function checkedColor(name: string, rgb: Rgb): Rgb {
  if (
    rgb.length !== 3 ||
    !rgb.every((channel) => Number.isInteger(channel) && channel >= 0 && channel <= 255)
  ) {
    throw new RangeError(`thumbnail ${name} must be three integers from 0 to 255`);
  }
  return rgb;
}

/** World → screen: normalise about the box centre, rotate into view, then scale and centre on screen. */
interface ViewTransform {
  readonly center: readonly [number, number, number];
  /** Largest half-extent of the world box; dividing by it (not multiplying by 1/it) keeps moved or rescaled copies of a mesh bit-identical once normalised. */
  readonly halfExtent: number;
  readonly viewCenterX: number;
  readonly viewCenterY: number;
  readonly pixelsPerUnit: number;
  readonly screenCenter: number;
}

/** Fits the projected mesh (its vertices, not just the box corners) into the canvas; null if nothing finite to draw. */
function fitToView(coordinates: Float32Array, canvasSize: number): ViewTransform | null {
  const min = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  const max = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let at = 0; at < coordinates.length; at += 9) {
    if (!isFiniteTriangle(coordinates, at)) continue;
    for (let i = at; i < at + 9; i++) {
      const axis = (i - at) % 3;
      const value = coordinates[i] as number;
      if (value < (min[axis] as number)) min[axis] = value;
      if (value > (max[axis] as number)) max[axis] = value;
    }
  }
  const [minX = 0, minY = 0, minZ = 0] = min;
  const [maxX = 0, maxY = 0, maxZ = 0] = max;
  if (!(minX <= maxX)) return null;

  const center = [(minX + maxX) / 2, (minY + maxY) / 2, (minZ + maxZ) / 2] as const;
  const halfExtent = Math.max(maxX - minX, maxY - minY, maxZ - minZ) / 2 || 1;
  const partial = { center, halfExtent, viewCenterX: 0, viewCenterY: 0, pixelsPerUnit: 1, screenCenter: 0 };

  let viewMinX = Number.POSITIVE_INFINITY;
  let viewMinY = Number.POSITIVE_INFINITY;
  let viewMaxX = Number.NEGATIVE_INFINITY;
  let viewMaxY = Number.NEGATIVE_INFINITY;
  const vertex = new Float64Array(3);
  for (let at = 0; at < coordinates.length; at += 9) {
    if (!isFiniteTriangle(coordinates, at)) continue;
    for (let offset = at; offset < at + 9; offset += 3) {
      toView(coordinates, offset, partial, vertex);
      const [x = 0, y = 0] = vertex;
      if (x < viewMinX) viewMinX = x;
      if (x > viewMaxX) viewMaxX = x;
      if (y < viewMinY) viewMinY = y;
      if (y > viewMaxY) viewMaxY = y;
    }
  }
  const span = Math.max(viewMaxX - viewMinX, viewMaxY - viewMinY);
  return {
    center,
    halfExtent,
    viewCenterX: (viewMinX + viewMaxX) / 2,
    viewCenterY: (viewMinY + viewMaxY) / 2,
    pixelsPerUnit: span > 0 ? (canvasSize * (1 - 2 * MARGIN)) / span : 1,
    screenCenter: canvasSize / 2,
  };
}

function isFiniteTriangle(coordinates: Float32Array, at: number): boolean {
  for (let i = at; i < at + 9; i++) {
    if (!Number.isFinite(coordinates[i])) return false;
  }
  return true;
}

/** Writes the view-space position (normalised units) of the vertex at `offset` into `out`. */
function toView(coordinates: Float32Array, offset: number, view: ViewTransform, out: Float64Array): void {
  const x = ((coordinates[offset] as number) - view.center[0]) / view.halfExtent;
  const y = ((coordinates[offset + 1] as number) - view.center[1]) / view.halfExtent;
  const z = ((coordinates[offset + 2] as number) - view.center[2]) / view.halfExtent;
  out[0] = x * RIGHT_X + y * RIGHT_Y;
  out[1] = x * UP_X + y * UP_Y + z * UP_Z;
  out[2] = x * TOWARD_X + y * TOWARD_Y + z * TOWARD_Z;
}

function drawTriangles(coordinates: Float32Array, view: ViewTransform, canvas: Canvas, color: Rgb): void {
  const a = new Float64Array(3);
  const b = new Float64Array(3);
  const c = new Float64Array(3);
  const scale = view.pixelsPerUnit;
  const [red, green, blue] = color;
  for (let at = 0; at < coordinates.length; at += 9) {
    if (!isFiniteTriangle(coordinates, at)) continue;
    toView(coordinates, at, view, a);
    toView(coordinates, at + 3, view, b);
    toView(coordinates, at + 6, view, c);
    const shade = faceShade(a, b, c);
    if (shade === null) continue;
    // Screen y grows downwards; depth stays view z (larger is nearer).
    const toScreenX = (v: Float64Array) => view.screenCenter + ((v[0] as number) - view.viewCenterX) * scale;
    const toScreenY = (v: Float64Array) => view.screenCenter - ((v[1] as number) - view.viewCenterY) * scale;
    canvas.fillTriangle(
      toScreenX(a),
      toScreenY(a),
      a[2] as number,
      toScreenX(b),
      toScreenY(b),
      b[2] as number,
      toScreenX(c),
      toScreenY(c),
      c[2] as number,
      Math.round(red * shade),
      Math.round(green * shade),
      Math.round(blue * shade),
    );
  }
}

/**
 * Ambient plus Lambert from the face normal. Two-sided (|n·l|) because uploaded meshes often have
 * inconsistent winding and a back-facing normal must not turn a visible face black.
 * Null for a degenerate triangle (no normal).
 */
function faceShade(a: Float64Array, b: Float64Array, c: Float64Array): number | null {
  const [ax = 0, ay = 0, az = 0] = a;
  const ux = (b[0] as number) - ax;
  const uy = (b[1] as number) - ay;
  const uz = (b[2] as number) - az;
  const vx = (c[0] as number) - ax;
  const vy = (c[1] as number) - ay;
  const vz = (c[2] as number) - az;
  const nx = uy * vz - uz * vy;
  const ny = uz * vx - ux * vz;
  const nz = ux * vy - uy * vx;
  const length = Math.hypot(nx, ny, nz);
  if (!(length > 0)) return null;
  const lambert = Math.abs(nx * LIGHT_X + ny * LIGHT_Y + nz * LIGHT_Z) / length;
  return AMBIENT + DIFFUSE * lambert;
}

/** A square RGB colour buffer with a depth buffer, rasterised by edge functions. */
class Canvas {
  readonly size: number;
  readonly #rgb: Uint8Array;
  readonly #depth: Float32Array;

  constructor(size: number, background: Rgb) {
    this.size = size;
    this.#rgb = new Uint8Array(size * size * 3);
    for (let i = 0; i < this.#rgb.length; i += 3) this.#rgb.set(background, i);
    this.#depth = new Float32Array(size * size).fill(Number.NEGATIVE_INFINITY);
  }

  /**
   * Covers the pixels whose centres lie inside the triangle, with the top-left fill rule so an
   * edge shared by two triangles is drawn once. Depth is interpolated linearly (orthographic).
   */
  fillTriangle(
    x0: number,
    y0: number,
    z0: number,
    x1: number,
    y1: number,
    z1: number,
    x2: number,
    y2: number,
    z2: number,
    red: number,
    green: number,
    blue: number,
  ): void {
    let area = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0);
    if (!(Math.abs(area) > MIN_SCREEN_AREA)) return;
    if (area < 0) {
      // Reorder to one winding (two-sided): swap vertices 1 and 2.
      [x1, y1, z1, x2, y2, z2] = [x2, y2, z2, x1, y1, z1];
      area = -area;
    }
    const size = this.size;
    const minX = Math.max(0, Math.ceil(Math.min(x0, x1, x2) - 0.5));
    const maxX = Math.min(size - 1, Math.floor(Math.max(x0, x1, x2) - 0.5));
    const minY = Math.max(0, Math.ceil(Math.min(y0, y1, y2) - 0.5));
    const maxY = Math.min(size - 1, Math.floor(Math.max(y0, y1, y2) - 0.5));
    if (minX > maxX || minY > maxY) return;

    // Edge i is opposite vertex i; its function is that vertex's barycentric weight × area.
    const dx0 = x2 - x1;
    const dy0 = y2 - y1;
    const dx1 = x0 - x2;
    const dy1 = y0 - y2;
    const dx2 = x1 - x0;
    const dy2 = y1 - y0;
    // In this winding (screen y down) a top edge runs in +x, a left edge runs upwards (-y).
    const topLeft0 = (dy0 === 0 && dx0 > 0) || dy0 < 0;
    const topLeft1 = (dy1 === 0 && dx1 > 0) || dy1 < 0;
    const topLeft2 = (dy2 === 0 && dx2 > 0) || dy2 < 0;
    const depth0 = z0 / area;
    const depth1 = z1 / area;
    const depth2 = z2 / area;
    const rgb = this.#rgb;
    const depth = this.#depth;

    const startX = minX + 0.5;
    for (let py = minY; py <= maxY; py++) {
      const sampleY = py + 0.5;
      let e0 = dx0 * (sampleY - y1) - dy0 * (startX - x1);
      let e1 = dx1 * (sampleY - y2) - dy1 * (startX - x2);
      let e2 = dx2 * (sampleY - y0) - dy2 * (startX - x0);
      for (let px = minX; px <= maxX; px++, e0 -= dy0, e1 -= dy1, e2 -= dy2) {
        if (!(e0 > 0 || (e0 === 0 && topLeft0))) continue;
        if (!(e1 > 0 || (e1 === 0 && topLeft1))) continue;
        if (!(e2 > 0 || (e2 === 0 && topLeft2))) continue;
        const z = e0 * depth0 + e1 * depth1 + e2 * depth2;
        const pixel = py * size + px;
        if (!(z > (depth[pixel] as number))) continue;
        depth[pixel] = z;
        rgb[pixel * 3] = red;
        rgb[pixel * 3 + 1] = green;
        rgb[pixel * 3 + 2] = blue;
      }
    }
  }

  /** Box-filters `factor`×`factor` blocks into one pixel: the anti-aliasing of supersampling. */
  downsample(factor: number): RasterImage {
    const size = this.size / factor;
    const rgba = new Uint8Array(size * size * 4);
    const samples = factor * factor;
    const rgb = this.#rgb;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let red = 0;
        let green = 0;
        let blue = 0;
        for (let sy = 0; sy < factor; sy++) {
          let source = ((y * factor + sy) * this.size + x * factor) * 3;
          for (let sx = 0; sx < factor; sx++, source += 3) {
            red += rgb[source] as number;
            green += rgb[source + 1] as number;
            blue += rgb[source + 2] as number;
          }
        }
        const target = (y * size + x) * 4;
        rgba[target] = Math.round(red / samples);
        rgba[target + 1] = Math.round(green / samples);
        rgba[target + 2] = Math.round(blue / samples);
        rgba[target + 3] = 255;
      }
    }
    return { width: size, height: size, rgba };
  }
}
