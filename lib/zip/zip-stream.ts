import { crc32, deflateRawSync } from "node:zlib";

// A zip file written as a stream, entry by entry, from entries that arrive one at a time: only
// the entry being written and the central directory's records (a few dozen bytes each) are in
// memory. Deflated where that makes an entry smaller, else stored; names in UTF-8 (flag bit
// 11). No ZIP64: a zip past 4 GiB or 65,535 entries is refused with an error, as nothing Kiln
// zips (a workspace under its quota) comes near either.

export interface ZipEntry {
  /** Relative, "/"-separated; a directory's ends with "/". */
  name: string;
  /** Absent for a directory. */
  data?: Uint8Array;
  modified: Date;
}

const maxOffset = 0xffff_ffff;
const maxEntries = 0xffff;

/** MS-DOS date and time, as zip headers keep them (local time, 2 s steps, from 1980). */
function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107);
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    day: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

interface Written {
  name: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  time: number;
  day: number;
  isDirectory: boolean;
}

/**
 * The fields a local header and a central record share, in the same order: version needed,
 * flags (UTF-8 names), method, time, date, CRC, both sizes and the name's length.
 */
function writeShared(buffer: Buffer, at: number, entry: Written): void {
  buffer.writeUInt16LE(20, at); // version needed: 2.0
  buffer.writeUInt16LE(0x0800, at + 2);
  buffer.writeUInt16LE(entry.method, at + 4);
  buffer.writeUInt16LE(entry.time, at + 6);
  buffer.writeUInt16LE(entry.day, at + 8);
  buffer.writeUInt32LE(entry.crc, at + 10);
  buffer.writeUInt32LE(entry.compressedSize, at + 14);
  buffer.writeUInt32LE(entry.size, at + 18);
  buffer.writeUInt16LE(entry.name.length, at + 22);
}

function localHeader(entry: Written): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  writeShared(header, 4, entry);
  return Buffer.concat([header, entry.name]);
}

function centralRecord(entry: Written): Buffer {
  const record = Buffer.alloc(46);
  record.writeUInt32LE(0x02014b50, 0);
  record.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the modes below count)
  writeShared(record, 6, entry);
  // Unix mode in the high half of the external attributes: rw-r--r-- files, rwxr-xr-x dirs.
  const mode = entry.isDirectory ? 0o040755 : 0o100644;
  record.writeUInt32LE(((mode << 16) | (entry.isDirectory ? 0x10 : 0)) >>> 0, 38);
  record.writeUInt32LE(entry.offset, 42);
  return Buffer.concat([record, entry.name]);
}

function endOfDirectory(count: number, size: number, offset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return end;
}

/** The zip of `entries`, in their order, pulled as the reader reads. */
export function zipStream(entries: AsyncIterable<ZipEntry>): ReadableStream<Uint8Array> {
  const iterator = entries[Symbol.asyncIterator]();
  const written: Written[] = [];
  let offset = 0;
  let isDone = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (isDone) return;
      const next = await iterator.next();
      if (next.done) {
        isDone = true;
        const directory = Buffer.concat(written.map(centralRecord));
        controller.enqueue(directory);
        controller.enqueue(endOfDirectory(written.length, directory.length, offset));
        controller.close();
        return;
      }
      const entry = next.value;
      if (written.length >= maxEntries) throw new Error("too many entries for a zip");
      const isDirectory = entry.name.endsWith("/");
      const data = isDirectory ? Buffer.alloc(0) : Buffer.from(entry.data ?? new Uint8Array());
      const deflated = data.length > 0 ? deflateRawSync(data) : data;
      const isDeflated = deflated.length < data.length;
      const record: Written = {
        name: Buffer.from(entry.name, "utf8"),
        method: isDeflated ? 8 : 0,
        crc: crc32(data),
        compressedSize: isDeflated ? deflated.length : data.length,
        size: data.length,
        offset,
        ...dosDateTime(entry.modified),
        isDirectory,
      };
      const header = localHeader(record);
      const body = isDeflated ? deflated : data;
      if (offset + header.length + body.length > maxOffset) {
        throw new Error("the zip would be larger than 4 GiB");
      }
      written.push(record);
      offset += header.length + body.length;
      controller.enqueue(header);
      if (body.length > 0) controller.enqueue(body);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
