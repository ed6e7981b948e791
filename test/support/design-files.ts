/** A binary STL of an axis-aligned cube with edge `size` (12 triangles), padded to `totalBytes` if given. */
export function binaryStlCube(size: number, totalBytes?: number): Buffer {
  const s = size;
  const v = [
    [0, 0, 0],
    [s, 0, 0],
    [s, s, 0],
    [0, s, 0],
    [0, 0, s],
    [s, 0, s],
    [s, s, s],
    [0, s, s],
  ] as const;
  const faces = [
    [0, 2, 1],
    [0, 3, 2],
    [4, 5, 6],
    [4, 6, 7],
    [0, 1, 5],
    [0, 5, 4],
    [1, 2, 6],
    [1, 6, 5],
    [2, 3, 7],
    [2, 7, 6],
    [3, 0, 4],
    [3, 4, 7],
  ] as const;
  const buffer = Buffer.alloc(totalBytes ?? 84 + 50 * faces.length);
  buffer.write(`forgecast test cube ${size}`, 0, 'ascii');
  buffer.writeUInt32LE(faces.length, 80);
  faces.forEach((face, i) => {
    const offset = 84 + i * 50 + 12;
    face.forEach((vertex, corner) => {
      const point = v[vertex] as readonly number[];
      point.forEach((coordinate, axis) => {
        buffer.writeFloatLE(coordinate, offset + corner * 12 + axis * 4);
      });
    });
  });
  return buffer;
}

export function truncated(file: Buffer, dropBytes: number): Buffer {
  return file.subarray(0, file.length - dropBytes);
}
