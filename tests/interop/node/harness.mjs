// The harness of client-flows.mjs: the official Better Auth client (createAuthClient from
// better-auth/client, adminClient + organizationClient with teams) in the two ways a Node program
// can hold a session, and a recorder that turns every call into a comparable outcome.
//
// - cookie mode: a cookie jar in `customFetchImpl` (Node's fetch keeps no cookies) that sends an
//   Origin header (trusted by default; a flow can drop it or make it untrusted);
// - bearer mode: `fetchOptions.auth = {type: "Bearer", token}`, the token read from `set-auth-token`
//   (no cookies; the same Origin header, which a cookie-less sign-in needs from Node's fetch).
//
// An outcome step is {call, request, status, code, data, cookies?, authToken?, badDates?} (and the
// cache-control of get-session). Values
// that differ between two servers by nature are normalised: ids and tokens become the names the
// flow gave them (or <id>/<token>), dates become <date> (an expiry becomes its distance from the
// creation, in hours), an ipAddress becomes <ip>, the run tag in emails and slugs becomes <run>.
// Lists are compared as multisets unless a step says its order matters. `info` (error messages)
// is reported but never compared.
import { createHmac } from "node:crypto";
import { createAuthClient } from "better-auth/client";
import { adminClient, organizationClient } from "better-auth/client/plugins";

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ISO_LIKE = /"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}[^"]*)"/g;
const ID_KEYS = new Set([
  "id",
  "userId",
  "organizationId",
  "teamId",
  "inviterId",
  "activeOrganizationId",
  "activeTeamId",
  "impersonatedBy",
  "accountId",
  "memberId",
]);
const TOKEN_KEYS = new Set(["token", "sessionToken"]);
const HOUR = 3_600_000;

export const PASSWORD = "correct horse battery 42";

/** Stops a flow after a step that had to succeed did not (the step is already recorded). */
export class FlowAborted extends Error {}

function plugins() {
  return [adminClient(), organizationClient({ teams: { enabled: true } })];
}

function parseSetCookie(header) {
  const [pair, ...attributes] = header.split(";").map((part) => part.trim());
  const equals = pair.indexOf("=");
  const cookie = { name: pair.slice(0, equals), value: pair.slice(equals + 1), attributes: {} };
  for (const attribute of attributes) {
    const [key, ...rest] = attribute.split("=");
    cookie.attributes[key.toLowerCase()] = rest.length ? rest.join("=") : true;
  }
  return cookie;
}

function isExpired(cookie) {
  const maxAge = cookie.attributes["max-age"];
  if (maxAge !== undefined && Number(maxAge) <= 0) return true;
  const expires = cookie.attributes.expires;
  return typeof expires === "string" && Date.parse(expires) <= Date.now();
}

/** What a call said on the wire besides the body: its request, cookies, set-auth-token, raw dates. */
async function observe(url, init, response) {
  const text = await response.clone().text();
  const badDates = [...text.matchAll(ISO_LIKE)].map((match) => match[1]).filter((value) => !ISO_MILLIS.test(value));
  const path = new URL(url).pathname.replace(/^\/api\/auth/, "");
  return {
    request: `${(init.method ?? "GET").toUpperCase()} ${path}`,
    status: response.status,
    setCookies: response.headers.getSetCookie().map(parseSetCookie),
    cacheControl: response.headers.get("cache-control"),
    authToken: response.headers.get("set-auth-token"),
    exposed: response.headers.get("access-control-expose-headers"),
    badDates,
  };
}

/** A client that keeps cookies like a browser and sends `origin` (null: no Origin header). */
export function cookieClient(baseURL, origin) {
  const jar = new Map();
  const holder = { origin, last: null, jar, mode: "cookie" };
  const customFetchImpl = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
    if (holder.origin) headers.set("origin", holder.origin);
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    holder.last = await observe(url, init, response);
    for (const cookie of holder.last.setCookies) {
      if (isExpired(cookie)) jar.delete(cookie.name);
      else jar.set(cookie.name, cookie.value);
    }
    return response;
  };
  holder.client = createAuthClient({ baseURL, plugins: plugins(), fetchOptions: { customFetchImpl } });
  return holder;
}

/**
 * A client without cookies that authenticates with the bearer token the server last sent. It still
 * sends `origin`: Node's fetch sends `Sec-Fetch-Mode: cors`, and with Fetch Metadata present Better
 * Auth checks the Origin of a cookie-less sign-in or sign-up as well.
 */
export function bearerClient(baseURL, origin) {
  const holder = { origin, token: null, last: null, mode: "bearer" };
  const customFetchImpl = async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (holder.origin) headers.set("origin", holder.origin);
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    holder.last = await observe(url, init, response);
    return response;
  };
  holder.client = createAuthClient({
    baseURL,
    plugins: plugins(),
    fetchOptions: {
      customFetchImpl,
      auth: { type: "Bearer", token: () => holder.token ?? undefined },
      onSuccess(context) {
        const token = context.response.headers.get("set-auth-token");
        if (token) holder.token = token;
      },
    },
  });
  return holder;
}

/** Ids and tokens by the names a flow gave them, so two servers' random values compare equal. */
export class Names {
  constructor(run, secret) {
    this.run = run;
    this.secret = secret;
    this.byValue = new Map();
  }

  add(value, name) {
    if (typeof value === "string" && value && !this.byValue.has(value)) this.byValue.set(value, name);
    return value;
  }

  /**
   * A signed value `payload.signature` (cookie or set-auth-token) with its payload named, and
   * `<sig>` when the signature is the HMAC-SHA256 of the payload under the shared secret.
   */
  signed(raw) {
    const value = decodeURIComponent(raw);
    const dot = value.lastIndexOf(".");
    if (dot < 0) return this.text(value, "token");
    const signed = value.slice(0, dot);
    const payload = signed
      .split(":")
      .map((part) => (part ? this.text(part, "token") : part))
      .join(":");
    const signature = value.slice(dot + 1);
    const expected = createHmac("sha256", this.secret).update(signed).digest("base64");
    return `${payload}.${signature === expected ? "<sig>" : `<bad signature ${signature}>`}`;
  }

  text(value, kind) {
    const named = this.byValue.get(value);
    if (named) return `<${named}>`;
    if (kind === "id") return "<id>";
    if (kind === "token") return /^[A-Za-z0-9]{32}$/.test(value) ? "<token>" : value;
    if (/^[A-Za-z0-9]{32}$/.test(value)) return "<id>"; // a bare id a view picked out
    return this.run ? value.split(this.run).join("<run>") : value;
  }

  /** The comparable form of a response body. */
  normalise(value, key = null, ordered = false) {
    if (value instanceof Date) return "<date>";
    if (Array.isArray(value)) {
      const items = value.map((item) => this.normalise(item, null, ordered));
      return ordered ? items : items.map((item) => [JSON.stringify(item), item]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, item]) => item);
    }
    if (value && typeof value === "object") {
      const out = {};
      for (const name of Object.keys(value).sort()) out[name] = this.normalise(value[name], name, ordered);
      for (const [expiry, base] of [["expiresAt", "createdAt"], ["banExpires", "updatedAt"]]) {
        if (value[expiry] instanceof Date && value[base] instanceof Date) {
          out[expiry] = `<${base}+${Math.round((value[expiry] - value[base]) / HOUR)}h>`;
        }
      }
      return out;
    }
    if (typeof value === "string") {
      // Better Auth records "" without X-Forwarded-For ("127.0.0.1" when NODE_ENV is test or
      // development); a deployment's proxy decides the value, so only its type is compared.
      if (key === "ipAddress") return "<ip>";
      if (key && ID_KEYS.has(key)) return this.text(value, "id");
      if (key && TOKEN_KEYS.has(key)) return this.text(value, "token");
      return this.text(value, "text");
    }
    return value;
  }

  /** The cookies a response leaves in a browser: per name, the last Set-Cookie wins. */
  cookies(setCookies) {
    const effective = new Map(setCookies.map((cookie) => [cookie.name, cookie]));
    return [...effective.values()]
      .map(({ name, value, attributes }) => {
        const shown = { name, value: value === "" ? "" : this.signed(value) };
        for (const [key, attribute] of Object.entries(attributes)) shown[key] = key === "expires" ? "<date>" : attribute;
        return shown;
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** One flow's recording: the steps the flow took and what each returned. */
export class Recorder {
  constructor(names) {
    this.names = names;
    this.steps = [];
  }

  /**
   * Run `call()` (a client call returning {data, error}) and record its outcome. `view` picks what
   * to compare from the data (default: all of it); `ordered` keeps list order; `quiet` records only
   * status and code (for set-up calls whose body another flow already compares).
   */
  async record(label, holder, call, { view = (data) => data, ordered = false, quiet = false } = {}) {
    holder.last = null;
    const result = await call(holder.client);
    const wire = holder.last;
    const step = { call: label, request: wire?.request ?? null, status: wire?.status ?? null };
    if (result.error) {
      step.code = result.error.code ?? null;
      step.info = { message: result.error.message ?? null, statusText: result.error.statusText ?? null };
    } else if (!quiet) {
      step.data = this.names.normalise(view(result.data), null, ordered);
    }
    if (wire && !quiet) {
      if (holder.mode === "cookie") step.cookies = this.names.cookies(wire.setCookies);
      if (wire.authToken) {
        step.authToken = this.names.signed(wire.authToken);
        step.exposed = wire.exposed;
      }
      if (wire.badDates.length) step.badDates = wire.badDates;
      if (wire.request === "GET /get-session") step.cacheControl = wire.cacheControl;
    }
    this.steps.push(step);
    return result;
  }
}
