// Serves a real Better Auth 1.7 over HTTP (node:http + toNodeHandler) on a database migrated by
// the Python service, configured as ./instance.mjs says (admin, organization with teams, bearer,
// delete-user). Used by tests/interop/test_client_flows.py and by the benchmark (bench/).
//
// CLI (stable; every option also reads the environment variable in brackets):
//   node server.mjs --db sqlite|postgres --url <sqlite file path | postgres URL> --secret <secret>
//                   [--port 0] [--host 127.0.0.1] [--base-url http://HOST:PORT]
//                   [--trusted-origins https://a.example,https://b.example] [--log-level error]
//   --db               database kind [INTEROP_DB]
//   --url              SQLite file path, or postgres://user@host:port/name [INTEROP_DB_URL]
//   --secret           the shared BETTER_AUTH_SECRET [BETTER_AUTH_SECRET]
//   --port             TCP port; 0 (the default) picks a free one [PORT]
//   --host             listen address, default 127.0.0.1 [HOST]
//   --base-url         Better Auth's baseURL, default http://HOST:PORT (the port actually bound)
//                      [BETTER_AUTH_URL]
//   --trusted-origins  comma-separated extra trusted origins [BETTER_AUTH_TRUSTED_ORIGINS]
//   --log-level        Better Auth's logger to stderr: debug, info, warn or error; default: off
//                      [BETTER_AUTH_LOG_LEVEL]
// Once listening it prints exactly one JSON line to stdout:
//   {"ready":true,"url":"http://127.0.0.1:54321","port":54321,"baseURL":"http://127.0.0.1:54321"}
// The endpoints are under <url>/api/auth (GET /api/auth/ok answers {"ok":true}). It stops cleanly
// on SIGTERM or SIGINT (closes the listener and the database connections, exit code 0). Startup
// errors go to stderr with exit code 2.
import http from "node:http";
import { parseArgs } from "node:util";
import { toNodeHandler } from "better-auth/node";
import { createAuth } from "./instance.mjs";

function options() {
  const { values } = parseArgs({
    options: {
      db: { type: "string", default: process.env.INTEROP_DB },
      url: { type: "string", default: process.env.INTEROP_DB_URL },
      secret: { type: "string", default: process.env.BETTER_AUTH_SECRET },
      port: { type: "string", default: process.env.PORT ?? "0" },
      host: { type: "string", default: process.env.HOST ?? "127.0.0.1" },
      "base-url": { type: "string", default: process.env.BETTER_AUTH_URL },
      "trusted-origins": { type: "string", default: process.env.BETTER_AUTH_TRUSTED_ORIGINS ?? "" },
      "log-level": { type: "string", default: process.env.BETTER_AUTH_LOG_LEVEL },
    },
    strict: true,
  });
  for (const name of ["db", "url", "secret"]) {
    if (!values[name]) throw new Error(`--${name} is required`);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const trustedOrigins = values["trusted-origins"].split(",").map((origin) => origin.trim()).filter(Boolean);
  return { ...values, port, trustedOrigins };
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server.address().port));
  });
}

async function main() {
  const config = options();
  // The base URL names the bound port, so bind first and build Better Auth on the first request.
  let handler = null;
  const server = http.createServer((request, response) => {
    if (handler === null) {
      response.writeHead(503).end();
      return;
    }
    handler(request, response);
  });
  server.keepAliveTimeout = 60_000;
  const port = await listen(server, config.port, config.host);
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  const baseURL = config["base-url"] || url;
  const { auth, close } = await createAuth({
    db: config.db,
    url: config.url,
    secret: config.secret,
    baseURL,
    trustedOrigins: config.trustedOrigins,
    logLevel: config["log-level"],
  });
  await auth.$context; // fail now, not on the first request, when the database is unusable
  handler = toNodeHandler(auth);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(async () => {
      await close();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ ready: true, url, port, baseURL })}\n`);
}

main().catch((error) => {
  process.stderr.write(`server.mjs: ${error?.stack ?? error}\n`);
  process.exit(2);
});
