/**
 * A ticket's check-in code as a QR code, drawn as one SVG path (crisp at any size, no canvas, no
 * inline markup). qrcode-generator is loaded with the first QR on screen: only ticket pages pay
 * for it. The image is named for screen readers; the code is also given as text by the pages.
 */
import { useEffect, useState } from 'preact/hooks';

/** What is used of qrcode-generator's factory (its typings are a CommonJS `export =`). */
interface QrModel {
  addData(data: string, mode?: 'Byte'): void;
  make(): void;
  getModuleCount(): number;
  isDark(row: number, column: number): boolean;
}
type QrFactory = (typeNumber: 0, errorCorrection: 'L' | 'M' | 'Q' | 'H') => QrModel;

let loading: Promise<QrFactory> | undefined;
const loadQr = () => {
  loading ??= import('qrcode-generator').then(
    (module) => ((module as { default?: QrFactory }).default ?? module) as QrFactory,
  );
  return loading;
};

/** The dark modules of `text`'s QR code (error correction M) as an SVG path, and its size in modules. */
export function qrPath(qrcode: QrFactory, text: string): { path: string; size: number } {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const size = qr.getModuleCount();
  let path = '';
  for (let row = 0; row < size; row += 1) {
    for (let column = 0; column < size; column += 1) {
      if (qr.isDark(row, column)) path += `M${column} ${row}h1v1h-1z`;
    }
  }
  return { path, size };
}

/** Four modules of white around the code: the quiet zone scanners need. */
const QUIET = 4;

export function QrCode({
  text,
  label,
  loadingLabel,
  size = 192,
}: {
  readonly text: string;
  readonly label: string;
  readonly loadingLabel: string;
  readonly size?: number;
}) {
  const [drawn, setDrawn] = useState<{ text: string; path: string; size: number } | null>(null);
  useEffect(() => {
    let current = true;
    void loadQr().then((qrcode) => {
      if (current) setDrawn({ text, ...qrPath(qrcode, text) });
    });
    return () => {
      current = false;
    };
  }, [text]);
  if (!drawn || drawn.text !== text) {
    return (
      <div
        class="qr qr-loading"
        style={{ width: `${size}px`, height: `${size}px` }}
        role="img"
        aria-label={loadingLabel}
      />
    );
  }
  const box = drawn.size + QUIET * 2;
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`${-QUIET} ${-QUIET} ${box} ${box}`}
      shape-rendering="crispEdges"
      data-code={text}
    >
      <rect x={-QUIET} y={-QUIET} width={box} height={box} fill="#ffffff" />
      <path d={drawn.path} fill="#000000" />
    </svg>
  );
}
