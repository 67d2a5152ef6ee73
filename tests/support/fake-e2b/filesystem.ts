import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { home, type Machine } from "./machine";
import { filesystemService, routeService } from "./protos";

// envd's file calls on a sandbox's machine: the filesystem.Filesystem Connect service (Stat,
// ListDir, MakeDir, Move, Remove) and the /files HTTP endpoint the SDK reads and writes with
// (GET with ?path=, POST as multipart form data whose file names are the paths).

const fileType = { file: 1, dir: 2, symlink: 3 } as const;

/** Where a sandbox path is on the host: its own directories, else the host's (read-only). */
function located(machine: Machine, inside: string) {
  const absolute = path.posix.resolve(home, inside);
  const host = machine.hostPath(absolute);
  return { absolute, host: host ?? absolute, isWritable: host !== undefined };
}

function statOrThrow(host: string, inside: string): Stats {
  try {
    return lstatSync(host);
  } catch {
    throw new ConnectError(`path '${inside}' does not exist`, Code.NotFound);
  }
}

function entryInfo(host: string, inside: string, stats: Stats) {
  const type = stats.isSymbolicLink() ? "symlink" : stats.isDirectory() ? "dir" : "file";
  return {
    name: path.posix.basename(inside),
    type: fileType[type],
    path: inside,
    size: BigInt(stats.size),
    mode: stats.mode & 0o777,
    permissions: permissions(stats),
    owner: "user",
    group: "user",
    modifiedTime: { seconds: BigInt(Math.floor(stats.mtimeMs / 1000)), nanos: 0 },
    ...(type === "symlink" ? { symlinkTarget: readlinkSync(host) } : {}),
  };
}

function permissions(stats: Stats): string {
  const kind = stats.isDirectory() ? "d" : stats.isSymbolicLink() ? "L" : "-";
  const bits = [..."rwxrwxrwx"].map((c, i) => (stats.mode & (1 << (8 - i)) ? c : "-"));
  return kind + bits.join("");
}

function writableOrThrow(machine: Machine, inside: string) {
  const where = located(machine, inside);
  if (!where.isWritable) {
    throw new ConnectError(`permission denied: '${where.absolute}'`, Code.PermissionDenied);
  }
  return where;
}

export function routeFilesystem(router: ConnectRouter, machineOf: (sandboxId: string) => Machine) {
  const of = (context: HandlerContext) =>
    machineOf(context.requestHeader.get("e2b-sandbox-id") ?? "");
  routeService(router, filesystemService, {
    stat(request: { path: string }, context: HandlerContext) {
      const { absolute, host } = located(of(context), request.path);
      return { entry: entryInfo(host, absolute, statOrThrow(host, absolute)) };
    },
    listDir(request: { path: string }, context: HandlerContext) {
      const { absolute, host } = located(of(context), request.path);
      if (!statOrThrow(host, absolute).isDirectory()) {
        throw new ConnectError(`path '${absolute}' is not a directory`, Code.InvalidArgument);
      }
      const entries = readdirSync(host).map((name) =>
        entryInfo(
          path.join(host, name),
          path.posix.join(absolute, name),
          lstatSync(path.join(host, name)),
        ),
      );
      return { entries };
    },
    makeDir(request: { path: string }, context: HandlerContext) {
      const { absolute, host } = writableOrThrow(of(context), request.path);
      if (existsSync(host)) {
        throw new ConnectError(`directory '${absolute}' already exists`, Code.AlreadyExists);
      }
      mkdirSync(host, { recursive: true });
      return { entry: entryInfo(host, absolute, lstatSync(host)) };
    },
    move(request: { source: string; destination: string }, context: HandlerContext) {
      const { source, destination } = request;
      const from = writableOrThrow(of(context), source);
      const to = writableOrThrow(of(context), destination);
      statOrThrow(from.host, from.absolute);
      renameSync(from.host, to.host);
      return { entry: entryInfo(to.host, to.absolute, lstatSync(to.host)) };
    },
    remove(request: { path: string }, context: HandlerContext) {
      const { absolute, host } = writableOrThrow(of(context), request.path);
      statOrThrow(host, absolute);
      rmSync(host, { recursive: true, force: true });
      return {};
    },
  });
}

function httpError(status: number, message: string): Response {
  return Response.json({ code: status, message }, { status });
}

/** GET and POST /files. */
export async function files(machine: Machine, request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === "GET") {
    const { absolute, host } = located(machine, url.searchParams.get("path") ?? "");
    let stats: Stats;
    try {
      stats = lstatSync(host);
    } catch {
      return httpError(404, `path '${absolute}' does not exist`);
    }
    if (stats.isDirectory()) return httpError(400, `path '${absolute}' is a directory`);
    const content = readFileSync(host);
    return new Response(content, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(content.length),
      },
    });
  }
  if (request.method !== "POST") return httpError(405, "method not allowed");
  const form = await request.formData();
  const written = [];
  for (const [, value] of form) {
    if (typeof value === "string") return httpError(400, "expected a file");
    const where = located(machine, url.searchParams.get("path") ?? value.name);
    if (!where.isWritable) return httpError(403, `permission denied: '${where.absolute}'`);
    mkdirSync(path.dirname(where.host), { recursive: true });
    writeFileSync(where.host, Buffer.from(await value.arrayBuffer()));
    written.push({ name: path.posix.basename(where.absolute), type: "file", path: where.absolute });
  }
  return Response.json(written);
}
