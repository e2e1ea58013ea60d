// A real Better Auth 1.7 on a database migrated by the Python service, configured as the
// TypeScript stack runs it: email and password, admin, organization with teams, bearer, and
// delete-user enabled. Shared by server.mjs (served over HTTP) and client-flows.mjs (the harness's
// own hand on the database: promoting an admin, expiring an invitation).
//
// PostgreSQL goes through Better Auth's default Kysely adapter (a pg Pool); SQLite through its
// Drizzle adapter over libSQL with ./drizzle-schema.mjs (the TypeScript stack's D1 layout).
import { betterAuth } from "better-auth";
import { admin, bearer, organization } from "better-auth/plugins";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import pg from "pg";
import * as schema from "./drizzle-schema.mjs";

/** The database handle Better Auth takes for `kind` ("sqlite": a file path; "postgres": a URL). */
export function openDatabase(kind, url) {
  if (kind === "postgres") {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return { database: pool, close: () => pool.end() };
  }
  if (kind !== "sqlite") throw new Error(`unknown database kind ${JSON.stringify(kind)} (sqlite or postgres)`);
  // Several processes share the file (this service, Better Auth, the harness): every pooled
  // connection waits up to `timeout` ms for another's write lock instead of failing at once.
  const client = createClient({ url: `file:${url}`, timeout: 15_000 });
  return {
    database: drizzleAdapter(drizzle(client, { schema }), { provider: "sqlite", schema }),
    close: () => client.close(),
  };
}

/** Better Auth's options: the plugins and settings both servers of the interop tests agree on. */
export function authOptions({ database, secret, baseURL, trustedOrigins = [], logLevel = null }) {
  return {
    secret,
    baseURL,
    trustedOrigins,
    database,
    emailAndPassword: { enabled: true },
    user: { deleteUser: { enabled: true } },
    plugins: [admin(), organization({ teams: { enabled: true } }), bearer()],
    // Off outside production anyway; said explicitly so NODE_ENV cannot turn it on.
    rateLimit: { enabled: false },
    // Better Auth skips origin checks when NODE_ENV=test; the interop flows test them.
    advanced: { disableOriginCheck: false, disableCSRFCheck: false },
    telemetry: { enabled: false },
    logger: logLevel ? { level: logLevel } : { disabled: true },
  };
}

/** A Better Auth instance on the database; `close()` releases the connections. */
export function createAuth({ db, url, secret, baseURL, trustedOrigins, logLevel }) {
  const opened = openDatabase(db, url);
  const auth = betterAuth(authOptions({ database: opened.database, secret, baseURL, trustedOrigins, logLevel }));
  return { auth, close: opened.close };
}
