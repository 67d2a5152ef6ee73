import { request as httpRequest } from "node:http";

/**
 * GET `pathname` of an app Kiln serves at its own origin (a preview or a deployment's `url`),
 * sent to Kiln's address with that origin's Host, as a browser resolving it to Kiln would.
 */
export function viaKiln(kiln: string, url: string, pathname = "/") {
  const { hostname, port } = new URL(kiln);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest({
      hostname,
      port,
      path: pathname,
      headers: { host: new URL(url).host },
    });
    request.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.end();
  });
}
