import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { DescFile, DescService } from "@bufbuild/protobuf";
import { fileDesc } from "@bufbuild/protobuf/codegenv2";
import { file_google_protobuf_timestamp } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter, HandlerContext, ServiceImpl } from "@connectrpc/connect";

// envd's two Connect services, described by the very protobuf descriptors the e2b SDK was
// generated from. The SDK bundles them without exporting them, so they are read out of its
// build: the fake then encodes and decodes messages exactly as the SDK's own client does.

function embedded(name: string): string {
  const sdk = readFileSync(createRequire(import.meta.url).resolve("e2b"), "utf8");
  const found = new RegExp(`const ${name} = .*?fileDesc\\)\\("([A-Za-z0-9+/=]+)"`).exec(sdk);
  if (!found?.[1]) throw new Error(`The e2b SDK no longer embeds ${name}; update the fake`);
  return found[1];
}

function service(file: DescFile, name: string): DescService {
  const found = file.services.find((s) => s.name === name);
  if (!found) throw new Error(`No service ${name} in ${file.name}`);
  return found;
}

export const processService = service(fileDesc(embedded("file_process_process")), "Process");
export const filesystemService = service(
  fileDesc(embedded("file_filesystem_filesystem"), [file_google_protobuf_timestamp]),
  "Filesystem",
);

/**
 * A service's methods as the fake implements them. The descriptors are read at run time, so
 * there are no generated types: each handler names the shape of the request it reads, and
 * returns the response's fields, which the router encodes through the descriptor.
 */
export type Implementation = Record<string, (request: never, context: HandlerContext) => unknown>;

export function routeService(
  router: ConnectRouter,
  service: DescService,
  implementation: Implementation,
) {
  router.service(service, implementation as unknown as Partial<ServiceImpl<DescService>>);
}
