/**
 * A minimal, bounded ZIP reader for importing a policy zip (the app's own export, or a folder zipped by
 * hand). It reads the central directory only, inflates with a hard cap on every entry's output (a zip
 * bomb stops at the cap), checks each CRC, and refuses what a policy folder never holds: nested paths
 * beyond one level, absolute or `..` names, encryption, ZIP64, more entries or bytes than the limits.
 */
import { inflateRawSync } from 'node:zlib';
import { crc32 } from './zip.ts';

export class ZipError extends Error {}

export interface ZipLimits {
  maxEntries: number;
  /** Sum of the uncompressed sizes. */
  maxTotalBytes: number;
}

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

function findEndRecord(buf: Buffer): number {
  // The end record is 22 bytes plus a comment of at most 65,535 bytes.
  const stop = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= stop; i--) if (buf.readUInt32LE(i) === EOCD_SIG) return i;
  throw new ZipError('not a zip file (no end of central directory)');
}

/** The files of a zip (folders skipped), names with "/" separators as stored. */
export function readZip(bytes: Uint8Array, limits: ZipLimits): ZipEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 22) throw new ZipError('not a zip file (too short)');
  const end = findEndRecord(buf);
  const count = buf.readUInt16LE(end + 10);
  const cdSize = buf.readUInt32LE(end + 12);
  const cdOffset = buf.readUInt32LE(end + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipError('ZIP64 archives are not supported (a policy zip is small)');
  if (count > limits.maxEntries) throw new ZipError(`the zip holds ${count} entries; a policy has at most ${limits.maxEntries}`);
  if (cdOffset + cdSize > end) throw new ZipError('corrupt zip (central directory out of bounds)');
  const out: ZipEntry[] = [];
  let total = 0;
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || buf.readUInt32LE(p) !== CENTRAL_SIG) throw new ZipError('corrupt zip (bad central directory entry)');
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 1) throw new ZipError('encrypted zips are not supported');
    if (name.length > 200 || name.startsWith('/') || name.includes('\\') || name.split('/').some((s) => s === '..' || s === '.' || s === ''))
      throw new ZipError('the zip holds a file with an unsafe name');
    total += size;
    if (total > limits.maxTotalBytes) throw new ZipError(`the zip unpacks to more than ${Math.round(limits.maxTotalBytes / 2 ** 20)} MiB`);
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== LOCAL_SIG) throw new ZipError('corrupt zip (bad local header)');
    const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (start + compressed > buf.length) throw new ZipError('corrupt zip (entry out of bounds)');
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        // The cap is the declared size: a bomb that claims little and inflates a lot stops there.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
      } catch {
        throw new ZipError('corrupt zip (an entry does not inflate to its declared size)');
      }
    } else throw new ZipError(`unsupported zip compression method ${method}`);
    if (data.length !== size || crc32(data) !== crc) throw new ZipError('corrupt zip (checksum mismatch)');
    out.push({ name, data });
  }
  return out;
}
