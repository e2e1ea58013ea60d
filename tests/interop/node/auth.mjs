// Drives a real Better Auth (1.7, admin + organization with teams) against a database migrated by
// the Python service, for tests/interop. One command per run:
//   node auth.mjs '<json>'   with {"db": "postgres"|"sqlite", "url": ..., "secret": ..., "command": ..., ...}
// and prints one JSON object. PostgreSQL goes through Better Auth's default Kysely adapter (a pg
// Pool); SQLite through its Drizzle adapter over libSQL with ./drizzle-schema.mjs.
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { admin, organization } from "better-auth/plugins";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { getTableConfig } from "drizzle-orm/sqlite-core";
import { LibsqlDialect } from "@libsql/kysely-libsql";
import pg from "pg";
import * as schema from "./drizzle-schema.mjs";

const input = JSON.parse(process.argv[2]);
const closers = [];
// Every message Better Auth would send (its sendResetPassword / sendVerificationEmail callbacks).
const mailbox = [];
const BASE_URL = "http://127.0.0.1:3000";

function baseOptions(database) {
  return {
    secret: input.secret,
    baseURL: BASE_URL,
    database,
    emailAndPassword: {
      enabled: true,
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, url, token }) => {
        mailbox.push({ kind: "reset-password", to: user.email, url, token });
      },
    },
    emailVerification: {
      sendOnSignIn: true,
      sendVerificationEmail: async ({ user, url, token }) => {
        mailbox.push({ kind: "verify-email", to: user.email, url, token });
      },
    },
    user: { changeEmail: { enabled: true } },
    plugins: [admin(), organization({ teams: { enabled: true } })],
    telemetry: { enabled: false },
    logger: { disabled: true },
  };
}

function database() {
  if (input.db === "postgres") {
    const pool = new pg.Pool({ connectionString: input.url });
    closers.push(() => pool.end());
    return pool;
  }
  const client = createClient({ url: `file:${input.url}` });
  closers.push(() => client.close());
  return drizzleAdapter(drizzle(client, { schema }), { provider: "sqlite", schema });
}

const auth = betterAuth(baseOptions(database()));

// Sign in through Better Auth's HTTP handler, as a browser would; returns the session and cookie.
async function signIn(email, password) {
  const response = await auth.handler(
    new Request("http://127.0.0.1:3000/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://127.0.0.1:3000" },
      body: JSON.stringify({ email, password }),
    }),
  );
  const body = await response.json().catch(() => null);
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith("better-auth.session_token="));
  const cookie = setCookie ? setCookie.split(";")[0] : null;
  return { status: response.status, body, cookie };
}

async function signedIn(email, password) {
  const result = await signIn(email, password);
  if (result.status !== 200) throw new Error(`sign-in failed: ${result.status} ${JSON.stringify(result.body)}`);
  return new Headers({ cookie: result.cookie });
}

// What Better Auth says about the schema. Kysely introspects the live database; on SQLite the
// same check runs through libSQL, and the Drizzle schema is compared with the real columns.
async function schemaProblems() {
  const problems = [];
  const kyselyDatabase =
    input.db === "postgres"
      ? database()
      : { dialect: new LibsqlDialect({ url: `file:${input.url}` }), type: "sqlite" };
  const migrations = await getMigrations(baseOptions(kyselyDatabase));
  for (const table of migrations.toBeCreated) problems.push(`missing table ${table.table}`);
  for (const table of migrations.toBeAdded) {
    problems.push(`missing columns ${table.table}(${Object.keys(table.fields).join(", ")})`);
  }
  for (const problem of migrations.schemaProblems ?? []) problems.push(`schema problem ${JSON.stringify(problem)}`);
  if (input.db === "sqlite") {
    const client = createClient({ url: `file:${input.url}` });
    for (const table of Object.values(schema)) {
      const config = getTableConfig(table);
      const rows = (await client.execute(`SELECT name, type, "notnull" FROM pragma_table_info('${config.name}')`)).rows;
      const columns = new Map(rows.map((row) => [row.name, row]));
      for (const column of config.columns) {
        const actual = columns.get(column.name);
        if (!actual) problems.push(`drizzle column ${config.name}.${column.name} is not in the database`);
        else if (Boolean(actual.notnull) !== column.notNull) problems.push(`nullability differs: ${config.name}.${column.name}`);
        else if (column.columnType === "SQLiteTimestamp" && actual.type !== "INTEGER") problems.push(`not epoch ms: ${config.name}.${column.name}`);
      }
    }
    client.close();
  }
  // The runtime check (1.7.3+) runs on the first API call and throws SCHEMA_MISMATCH.
  try {
    await auth.api.getSession({ headers: new Headers() });
  } catch (error) {
    problems.push(`runtime schema check: ${error?.message ?? error}`);
  }
  return problems;
}

// One request through Better Auth's HTTP handler (signed in first when email and password are
// given); the status, JSON body, redirect location and the messages it would have sent.
async function http({ method = "POST", path, body, query, email, password }) {
  const headers = new Headers({ origin: BASE_URL });
  if (email) headers.set("cookie", (await signedIn(email, password)).get("cookie"));
  const url = new URL(`${BASE_URL}/api/auth${path}`);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  if (body !== undefined) headers.set("content-type", "application/json");
  const response = await auth.handler(
    new Request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: "manual" }),
  );
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: response.status, body: json, location: response.headers.get("location"), mail: mailbox };
}

const commands = {
  http,
  async schema() {
    return { problems: await schemaProblems() };
  },
  async signUp({ email, password, name }) {
    const result = await auth.api.signUpEmail({ body: { email, password, name } });
    return { userId: result.user.id, token: result.token };
  },
  async signIn({ email, password }) {
    const { status, body, cookie } = await signIn(email, password);
    return { status, userId: body?.user?.id ?? null, token: body?.token ?? null, cookie, code: body?.code ?? null };
  },
  async createOrganization({ email, password, name, slug, teamName, inviteEmail }) {
    const headers = await signedIn(email, password);
    const org = await auth.api.createOrganization({ headers, body: { name, slug, metadata: { plan: "team" } } });
    const team = await auth.api.createTeam({ headers, body: { name: teamName, organizationId: org.id } });
    const invitation = await auth.api.createInvitation({
      headers,
      body: { email: inviteEmail, role: "admin", organizationId: org.id, teamId: team.id },
    });
    return { organization: org, team, invitation };
  },
  async readOrganization({ email, password, organizationId }) {
    const headers = await signedIn(email, password);
    const full = await auth.api.getFullOrganization({ headers, query: { organizationId } });
    const teams = await auth.api.listOrganizationTeams({ headers, query: { organizationId } });
    const invitations = await auth.api.listInvitations({ headers, query: { organizationId } });
    return { organization: full, teams, invitations };
  },
};

try {
  const { command, ...args } = input;
  const result = await commands[command](args);
  process.stdout.write(JSON.stringify({ ok: true, result }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: `${error?.name}: ${error?.message}`, code: error?.code ?? error?.body?.code ?? null, body: error?.body ?? null }));
  process.exitCode = 1;
} finally {
  for (const close of closers) await close();
}
