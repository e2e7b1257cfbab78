#!/usr/bin/env node
// Draws Rollcall's icons (a white check mark on a blue rounded square; a black template glyph
// for the macOS menu bar) as PNGs, so the icons are reproducible from this file:
//   node resources/make-icons.mjs
// electron-builder derives .icns/.ico from icon.png (1024×1024).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));

function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      // 4×4 supersampling for smooth edges.
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          const [r, g, b, a] = pixel((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size);
          acc[0] += r * a;
          acc[1] += g * a;
          acc[2] += b * a;
          acc[3] += a;
        }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const a = acc[3] / 16;
      raw[o] = a ? Math.round(acc[0] / acc[3]) : 0;
      raw[o + 1] = a ? Math.round(acc[1] / acc[3]) : 0;
      raw[o + 2] = a ? Math.round(acc[2] / acc[3]) : 0;
      raw[o + 3] = Math.round(a * 255);
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function inRoundedSquare(x, y, inset, radius) {
  const cx = Math.min(Math.max(x, inset + radius), 1 - inset - radius);
  const cy = Math.min(Math.max(y, inset + radius), 1 - inset - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function distToSegment(px, py, ax, ay, bx, by) {
  const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
}

const onCheck = (x, y, width) =>
  Math.min(distToSegment(x, y, 0.28, 0.52, 0.44, 0.68), distToSegment(x, y, 0.44, 0.68, 0.74, 0.34)) <= width;

const appIcon = (x, y) => {
  if (!inRoundedSquare(x, y, 0.06, 0.2)) return [0, 0, 0, 0];
  if (onCheck(x, y, 0.065)) return [255, 255, 255, 1];
  return [37, 99, 235, 1];
};
// Tray: a bold check in a ring, readable at 16 px; black for the macOS template image.
const trayGlyph = (color) => (x, y) => {
  const r = Math.hypot(x - 0.5, y - 0.5);
  if ((r <= 0.47 && r >= 0.37) || onCheck(x, y, 0.08)) return [...color, 1];
  return [0, 0, 0, 0];
};

const write = (name, data) => fs.writeFileSync(path.join(here, name), data);
write('icon.png', png(1024, appIcon));
write('tray/tray.png', png(32, trayGlyph([37, 99, 235])));
write('tray/trayTemplate.png', png(16, trayGlyph([0, 0, 0])));
write('tray/trayTemplate@2x.png', png(32, trayGlyph([0, 0, 0])));
