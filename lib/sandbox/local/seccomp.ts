import "server-only";

// The seccomp filter every sandboxed command runs under (bwrap --seccomp), as a classic BPF
// program for x86_64. The sandbox has no capabilities, so most of what it denies would fail
// anyway; the filter takes the kernel code behind those calls out of reach, where a bug would
// be an escape: keyrings, eBPF, userfaultfd (a race-widening tool), perf, ptrace, the mount
// API, new namespaces, modules, kexec and the clock. Denied calls fail with EPERM, so programs
// that probe for a feature carry on without it; clone3 fails with ENOSYS, which makes glibc
// fall back to clone, whose flags the filter can read. A call from another architecture's ABI
// (i386 through int 0x80) kills the process: nothing in the sandbox needs it, and its numbers
// differ, so this list would not describe it. x32 calls (numbers with bit 30 set) are denied.
//
// The assembler is a few lines over struct sock_filter { u16 code; u8 jt; u8 jf; u32 k }, in
// the machine's (little-endian) byte order; libseccomp would need a native build.

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ERRNO = 0x00050000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;

// Offsets in struct seccomp_data: nr, arch, instruction_pointer, args[6] (low word first).
const offsetNr = 0;
const offsetArch = 4;
const offsetArg0 = 16;

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;

/** x86_64 numbers of the calls denied outright (asm/unistd_64.h). */
export const deniedSyscalls: Readonly<Record<string, number>> = {
  // Kernel keyrings, eBPF, userfaultfd, perf events, io_uring: large attack surfaces.
  add_key: 248,
  request_key: 249,
  keyctl: 250,
  bpf: 321,
  userfaultfd: 323,
  perf_event_open: 298,
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  // Looking into or steering other processes.
  ptrace: 101,
  process_vm_readv: 310,
  process_vm_writev: 311,
  kcmp: 312,
  // The mount API, old and new, and namespaces.
  mount: 165,
  umount2: 166,
  pivot_root: 155,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  mount_setattr: 442,
  open_tree_attr: 467,
  setns: 308,
  // Files by handle bypass the directory tree (the "shocker" escape).
  name_to_handle_at: 303,
  open_by_handle_at: 304,
  // The machine itself: modules, kexec, reboot, swap, accounting, ports, clocks, quotas, logs.
  create_module: 174,
  init_module: 175,
  delete_module: 176,
  finit_module: 313,
  get_kernel_syms: 177,
  query_module: 178,
  kexec_load: 246,
  kexec_file_load: 320,
  reboot: 169,
  swapon: 167,
  swapoff: 168,
  acct: 163,
  iopl: 172,
  ioperm: 173,
  settimeofday: 164,
  clock_settime: 227,
  clock_adjtime: 305,
  adjtimex: 159,
  quotactl: 179,
  quotactl_fd: 443,
  nfsservctl: 180,
  lookup_dcookie: 212,
  vhangup: 153,
  syslog: 103,
  uselib: 134,
  _sysctl: 156,
  sysfs: 139,
  ustat: 136,
};

export const syscallNumbers = { clone: 56, clone3: 435, unshare: 272, personality: 135 } as const;

/** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET: new namespaces of any kind. */
export const cloneNamespaceFlags = 0x7e020000;
/** unshare() also takes CLONE_NEWTIME, whose bit clone() uses for the exit signal. */
const unshareNamespaceFlags = cloneNamespaceFlags | 0x80;
/**
 * personality() values left allowed (Docker's list): PER_LINUX, PER_LINUX32, UNAME26, both, and
 * the query. Others would turn off address-space randomisation or make reads imply exec.
 */
export const allowedPersonalities = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

type Jump = string | 0;
type Instruction = { code: number; k: number; jt?: Jump; jf?: Jump } | { label: string };

function assemble(program: Instruction[]): Buffer {
  const labels = new Map<string, number>();
  const code: Exclude<Instruction, { label: string }>[] = [];
  for (const item of program) {
    if ("label" in item) labels.set(item.label, code.length);
    else code.push(item);
  }
  const out = Buffer.alloc(code.length * 8);
  const offset = (from: number, to: Jump | undefined) => {
    if (to === undefined || to === 0) return 0;
    const target = labels.get(to);
    const distance = target === undefined ? -1 : target - from - 1;
    if (distance < 0 || distance > 255) throw new Error(`seccomp: cannot jump to ${to}`);
    return distance;
  };
  code.forEach((instruction, index) => {
    out.writeUInt16LE(instruction.code, index * 8);
    out.writeUInt8(offset(index, instruction.jt), index * 8 + 2);
    out.writeUInt8(offset(index, instruction.jf), index * 8 + 3);
    out.writeUInt32LE(instruction.k >>> 0, index * 8 + 4);
  });
  return out;
}

const load = (offset: number): Instruction => ({ code: BPF_LD_W_ABS, k: offset });
const ret = (k: number): Instruction => ({ code: BPF_RET_K, k });
const jumpIfEqual = (k: number, to: string): Instruction => ({ code: BPF_JEQ_K, k, jt: to });
const jumpIfAnyBit = (k: number, to: string): Instruction => ({ code: BPF_JSET_K, k, jt: to });

let compiled: Buffer | undefined;

/** The filter as bwrap --seccomp reads it: an array of struct sock_filter. */
export function sandboxSeccompFilter(): Buffer {
  compiled ??= assemble([
    load(offsetArch),
    { code: BPF_JEQ_K, k: AUDIT_ARCH_X86_64, jt: "native" },
    ret(SECCOMP_RET_KILL_PROCESS),
    { label: "native" },
    load(offsetNr),
    { code: BPF_JGE_K, k: X32_SYSCALL_BIT, jt: "eperm" },
    ...Object.values(deniedSyscalls).map((nr) => jumpIfEqual(nr, "eperm")),
    jumpIfEqual(syscallNumbers.clone3, "enosys"),
    jumpIfEqual(syscallNumbers.clone, "clone"),
    jumpIfEqual(syscallNumbers.unshare, "unshare"),
    jumpIfEqual(syscallNumbers.personality, "personality"),
    ret(SECCOMP_RET_ALLOW),
    // The flags are the low word of the first argument for both calls.
    { label: "clone" },
    load(offsetArg0),
    jumpIfAnyBit(cloneNamespaceFlags, "eperm"),
    ret(SECCOMP_RET_ALLOW),
    { label: "unshare" },
    load(offsetArg0),
    jumpIfAnyBit(unshareNamespaceFlags, "eperm"),
    ret(SECCOMP_RET_ALLOW),
    { label: "personality" },
    load(offsetArg0),
    ...allowedPersonalities.map((value) => jumpIfEqual(value, "allow")),
    { label: "eperm" },
    ret(SECCOMP_RET_ERRNO | EPERM),
    { label: "allow" },
    ret(SECCOMP_RET_ALLOW),
    { label: "enosys" },
    ret(SECCOMP_RET_ERRNO | ENOSYS),
  ]);
  return compiled;
}
