import { describe, expect, test } from "vitest";
import {
  allowedPersonalities,
  cloneNamespaceFlags,
  deniedSyscalls,
  sandboxSeccompFilter,
  syscallNumbers,
} from "./seccomp";

// The program is run here by a classic-BPF interpreter over struct seccomp_data, as the kernel
// would; containment.test.ts checks the same calls against the real kernel.

const x86_64 = 0xc000003e;
const i386 = 0x40000003;
const allow = 0x7fff0000;
const eperm = 0x00050001;
const enosys = 0x00050026;
const kill = 0x80000000;

function decide(program: Buffer, data: { arch?: number; nr: number; args?: number[] }): number {
  const fields = Buffer.alloc(64);
  fields.writeUInt32LE(data.nr >>> 0, 0);
  fields.writeUInt32LE(data.arch ?? x86_64, 4);
  for (const [i, arg] of (data.args ?? []).entries()) {
    fields.writeUInt32LE(arg >>> 0, 16 + 8 * i);
  }
  let accumulator = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20:
        accumulator = fields.readUInt32LE(k);
        break;
      case 0x15:
        pc += accumulator === k ? jt : jf;
        break;
      case 0x35:
        pc += accumulator >= k ? jt : jf;
        break;
      case 0x45:
        pc += (accumulator & k) !== 0 ? jt : jf;
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected instruction ${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error("the program ran off its end");
}

describe("the sandbox's seccomp filter", () => {
  const program = sandboxSeccompFilter();

  test("is an array of 8-byte instructions, short enough for the kernel (4096)", () => {
    expect(program.length % 8).toBe(0);
    expect(program.length / 8).toBeLessThan(4096);
  });

  test("denies each listed call with EPERM and allows ordinary ones", () => {
    for (const [name, nr] of Object.entries(deniedSyscalls)) {
      expect(decide(program, { nr }), name).toBe(eperm);
    }
    // read, write, openat, mmap, execve, wait4, getpid, socket: what every program does.
    for (const nr of [0, 1, 257, 9, 59, 61, 39, 41]) expect(decide(program, { nr })).toBe(allow);
  });

  test("clone and unshare are allowed unless they ask for a namespace; clone3 is ENOSYS", () => {
    const threadFlags = 0x3d0f00; // what glibc's pthread_create passes
    expect(decide(program, { nr: syscallNumbers.clone, args: [threadFlags] })).toBe(allow);
    expect(decide(program, { nr: syscallNumbers.clone, args: [0x11] })).toBe(allow); // fork
    for (let bit = 0; bit < 32; bit++) {
      const flag = 2 ** bit;
      if ((cloneNamespaceFlags & flag) === 0) continue;
      expect(decide(program, { nr: syscallNumbers.clone, args: [flag | 0x11] })).toBe(eperm);
      expect(decide(program, { nr: syscallNumbers.unshare, args: [flag] })).toBe(eperm);
    }
    expect(decide(program, { nr: syscallNumbers.unshare, args: [0x80] })).toBe(eperm); // time
    expect(decide(program, { nr: syscallNumbers.unshare, args: [0x400] })).toBe(allow); // files
    expect(decide(program, { nr: syscallNumbers.clone3 })).toBe(enosys);
  });

  test("personality allows only the harmless values", () => {
    for (const value of allowedPersonalities) {
      expect(decide(program, { nr: syscallNumbers.personality, args: [value] })).toBe(allow);
    }
    const noRandomisation = 0x0040000;
    const readImpliesExec = 0x0400000;
    for (const value of [noRandomisation, readImpliesExec]) {
      expect(decide(program, { nr: syscallNumbers.personality, args: [value] })).toBe(eperm);
    }
  });

  test("another architecture's calls kill the process; x32 calls are denied", () => {
    expect(decide(program, { arch: i386, nr: 20 })).toBe(kill);
    expect(decide(program, { arch: i386, nr: 0 })).toBe(kill);
    expect(decide(program, { nr: 0x40000000 + 39 })).toBe(eperm);
  });
});
