// Client flows: the official Better Auth client driving one server (the real Better Auth of
// server.mjs, or this service), each flow with its own users and organizations. The Python test
// runs the same flows against both servers on one database and compares the outcomes.
//
//   node client-flows.mjs '<json>'
//     {"baseURL": "http://127.0.0.1:PORT",   the server under test (its /api/auth is used)
//      "origin": "http://app.example.test",  a trusted origin the cookie client sends
//      "untrustedOrigin": "http://evil.example.test",
//      "run": "r1a2b3",                      unique per run: in every email and slug
//      "db": "sqlite"|"postgres", "url": ..., "secret": ...,   the shared database, for the harness's
//                                            own writes (promote an admin, verify an email, age or
//                                            expire a session, expire an invitation)
//      "only": ["sign-up@cookie", ...],      optional: these flows only
//      "concurrency": 4}                     optional: flows run at once
// prints {"flows": {"<name>@<mode>": {"steps": [...]} | {"steps": [...], "error": "..."}}}.
//
// A flow is declared as flow("name", MODES, async (f) => ...); the Python side reads these
// declarations to parametrize its tests, so keep the name and the modes literal.
import { createAuth } from "./instance.mjs";
import { FlowAborted, Names, PASSWORD, Recorder, bearerClient, cookieClient } from "./harness.mjs";

const COOKIE = ["cookie"];
const BOTH = ["cookie", "bearer"];
const DAY = 86_400_000;
const FLOWS = [];

function flow(name, modes, body) {
  for (const mode of modes) FLOWS.push({ id: `${name}@${mode}`, name, mode, body });
}

/** What a flow works with: its own clients, users, names and recording. */
class Flow {
  constructor(spec, config, hand) {
    this.spec = spec;
    this.config = config;
    this.hand = hand;
    this.names = new Names(config.run, config.secret);
    this.recorder = new Recorder(this.names);
    this.sessions = new Map();
  }

  get mode() {
    return this.spec.mode;
  }

  email(who) {
    return `${this.spec.name}-${this.spec.mode}-${who}-${this.config.run}@example.com`;
  }

  slug(what) {
    return `${this.spec.name}-${this.spec.mode}-${what}-${this.config.run}`;
  }

  /** The Origin header value for "trusted", "untrusted", or anything else (null: none). */
  origin(which) {
    return which === "trusted" ? this.config.origin : which === "untrusted" ? this.config.untrustedOrigin : which;
  }

  /** A new client in the flow's mode, sending the given Origin. */
  client(origin = "trusted", mode = this.mode) {
    const value = this.origin(origin);
    return mode === "bearer" ? bearerClient(this.config.baseURL, value) : cookieClient(this.config.baseURL, value);
  }

  /** Record a call; its outcome is compared. */
  step(label, holder, call, options) {
    return this.recorder.record(label, holder, call, options);
  }

  /** A call the flow needs to succeed: recorded (status only unless `loud`), the flow stops if it fails. */
  async must(label, holder, call, { loud = false, ...options } = {}) {
    const result = await this.recorder.record(label, holder, call, { quiet: !loud, ...options });
    if (result.error) throw new FlowAborted(`${label} failed: ${result.error.status} ${result.error.code}`);
    return result.data;
  }

  /** Name a session token from a {token} or {session} response: `<who>-session<n>`. */
  session(data, who) {
    const token = data?.token ?? data?.session?.token;
    if (!token) return token;
    this.sessions.set(who, (this.sessions.get(who) ?? 0) + 1);
    this.names.add(token, `${who}-session${this.sessions.get(who)}`);
    return token;
  }

  /** Sign up a new user on a new client: {holder, email, id, name, who}; holder.sessionToken is set. */
  async user(who, { name = who[0].toUpperCase() + who.slice(1), origin = "trusted", mode = this.mode } = {}) {
    const holder = this.client(origin, mode);
    const email = this.email(who);
    const data = await this.must(`sign up ${who}`, holder, (c) => c.signUp.email({ email, password: PASSWORD, name }));
    this.names.add(data.user.id, who);
    holder.sessionToken = this.session(data, who);
    return { holder, email, id: data.user.id, name, who };
  }

  /** Another signed-in client (a second device) of an existing user. */
  async device(user, { mode = this.mode, rememberMe } = {}) {
    const holder = this.client("trusted", mode);
    const body = { email: user.email, password: PASSWORD, ...(rememberMe === undefined ? {} : { rememberMe }) };
    const data = await this.must(`sign in ${user.who} again`, holder, (c) => c.signIn.email(body));
    holder.sessionToken = this.session(data, user.who);
    return holder;
  }

  /** Mark the user's email verified in the database (what the verification link would do). */
  async verified(user) {
    await this.hand.verifyEmail(user.id);
    return user;
  }

  /** A user the harness made an administrator (role "admin", written to the database). */
  async admin(who = "admin") {
    const user = await this.user(who);
    await this.hand.promote(user.id);
    return user;
  }

  /** `owner` creates an organization (recorded quietly); returns it with its name registered. */
  async organization(owner, what = "org", extra = {}) {
    const data = await this.must(`create organization ${what}`, owner.holder, (c) =>
      c.organization.create({ name: `Org ${what}`, slug: this.slug(what), ...extra }),
    );
    this.names.add(data.id, what);
    for (const member of data.members ?? []) this.names.add(member.id, `${owner.who}@${what}`);
    return data;
  }

  /** `inviter` invites `invitee` and `invitee` accepts; returns the member. */
  async join(inviter, invitee, organization, role = "member", what = "org") {
    const invitation = await this.must(`invite ${invitee.who}`, inviter.holder, (c) =>
      c.organization.inviteMember({ email: invitee.email, role, organizationId: organization.id }),
    );
    this.names.add(invitation.id, `invitation:${invitee.who}`);
    const accepted = await this.must(`${invitee.who} accepts`, invitee.holder, (c) =>
      c.organization.acceptInvitation({ invitationId: invitation.id }),
    );
    this.names.add(accepted.member.id, `${invitee.who}@${what}`);
    return accepted.member;
  }
}

// ---------------------------------------------------------------- email and password, sessions

flow("sign-up", BOTH, async (f) => {
  const holder = f.client();
  const email = f.email("ada");
  const signedUp = await f.step("sign-up/email", holder, (c) =>
    c.signUp.email({ email, password: PASSWORD, name: "Ada", image: "https://img.example.com/ada.png" }),
  );
  f.names.add(signedUp.data?.user?.id, "ada");
  f.session(signedUp.data, "ada");
  await f.step("get-session", holder, (c) => c.getSession());
});

flow("sign-up-duplicate-email", COOKIE, async (f) => {
  const ada = await f.user("ada");
  await f.step("same email", f.client(), (c) => c.signUp.email({ email: ada.email, password: PASSWORD, name: "Other" }));
  await f.step("same email, other case", f.client(), (c) =>
    c.signUp.email({ email: ada.email.toUpperCase(), password: PASSWORD, name: "Other" }),
  );
});

flow("sign-up-invalid-input", COOKIE, async (f) => {
  const email = f.email("ada");
  await f.step("malformed email", f.client(), (c) => c.signUp.email({ email: "not-an-email", password: PASSWORD, name: "Ada" }));
  await f.step("password too short", f.client(), (c) => c.signUp.email({ email, password: "short", name: "Ada" }));
  await f.step("password too long", f.client(), (c) => c.signUp.email({ email, password: "x".repeat(129), name: "Ada" }));
  await f.step("name missing", f.client(), (c) => c.signUp.email({ email, password: PASSWORD }));
  await f.step("email not a string", f.client(), (c) => c.signUp.email({ email: 42, password: PASSWORD, name: "Ada" }));
  await f.step("nothing was created", f.client(), (c) => c.signIn.email({ email, password: PASSWORD }));
});

flow("sign-in", BOTH, async (f) => {
  const ada = await f.user("ada");
  const holder = f.client();
  const signedIn = await f.step("sign-in/email", holder, (c) => c.signIn.email({ email: ada.email, password: PASSWORD }));
  f.session(signedIn.data, "ada");
  await f.step("get-session", holder, (c) => c.getSession());
  const upper = f.client();
  const again = await f.step("email in another case", upper, (c) =>
    c.signIn.email({ email: ada.email.toUpperCase(), password: PASSWORD }),
  );
  f.session(again.data, "ada");
});

flow("sign-in-wrong-password", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const holder = f.client();
  await f.step("wrong password", holder, (c) => c.signIn.email({ email: ada.email, password: "not the password 42" }));
  await f.step("no session", holder, (c) => c.getSession());
});

flow("sign-in-unknown-email", COOKIE, async (f) => {
  await f.step("unknown email", f.client(), (c) => c.signIn.email({ email: f.email("nobody"), password: PASSWORD }));
});

flow("sign-in-invalid-input", COOKIE, async (f) => {
  await f.step("malformed email", f.client(), (c) => c.signIn.email({ email: "not-an-email", password: PASSWORD }));
  await f.step("password missing", f.client(), (c) => c.signIn.email({ email: f.email("ada") }));
  await f.step("unknown keys are ignored", f.client(), (c) =>
    c.signIn.email({ email: f.email("nobody"), password: PASSWORD, favouriteColour: "teal" }),
  );
});

flow("sign-in-callback-url", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const relative = await f.step("relative callbackURL", f.client(), (c) =>
    c.signIn.email({ email: ada.email, password: PASSWORD, callbackURL: "/dashboard" }),
  );
  f.session(relative.data, "ada");
  const trusted = await f.step("trusted absolute callbackURL", f.client(), (c) =>
    c.signIn.email({ email: ada.email, password: PASSWORD, callbackURL: `${f.config.origin}/welcome` }),
  );
  f.session(trusted.data, "ada");
  await f.step("untrusted callbackURL", f.client(), (c) =>
    c.signIn.email({ email: ada.email, password: PASSWORD, callbackURL: `${f.config.untrustedOrigin}/phish` }),
  );
  await f.step("untrusted callbackURL on sign-up", f.client(), (c) =>
    c.signUp.email({ email: f.email("bob"), password: PASSWORD, name: "Bob", callbackURL: `${f.config.untrustedOrigin}/x` }),
  );
});

flow("remember-me-false", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const holder = f.client();
  const signedIn = await f.step("sign in, rememberMe false", holder, (c) =>
    c.signIn.email({ email: ada.email, password: PASSWORD, rememberMe: false }),
  );
  f.session(signedIn.data, "ada");
  await f.step("a one-day session", holder, (c) => c.getSession());
  await f.step("sign-out clears dont_remember too", holder, (c) => c.signOut());
  const signedUp = await f.step("sign up, rememberMe false", f.client(), (c) =>
    c.signUp.email({ email: f.email("bob"), password: PASSWORD, name: "Bob", rememberMe: false }),
  );
  f.names.add(signedUp.data?.user?.id, "bob");
  f.session(signedUp.data, "bob");
});

flow("sign-out", BOTH, async (f) => {
  const ada = await f.user("ada");
  await f.step("sign-out", ada.holder, (c) => c.signOut());
  await f.step("session gone", ada.holder, (c) => c.getSession());
  await f.step("sign-out again, signed out", ada.holder, (c) => c.signOut());
  await f.step("sign-out without any session", f.client(), (c) => c.signOut());
});

flow("get-session-anonymous", BOTH, async (f) => {
  await f.step("no credentials", f.client(), (c) => c.getSession());
  await f.step("disableCookieCache, disableRefresh", f.client(), (c) =>
    c.getSession({ query: { disableCookieCache: true, disableRefresh: true } }),
  );
});

flow("session-refresh", BOTH, async (f) => {
  const ada = await f.user("ada");
  await f.hand.ageSession(ada.holder.sessionToken, 2);
  await f.step("disableRefresh: two days old, not extended", ada.holder, (c) =>
    c.getSession({ query: { disableRefresh: true } }),
  );
  await f.step("get-session extends it and re-sets the cookie", ada.holder, (c) => c.getSession());
  await f.step("extended once, not again", ada.holder, (c) => c.getSession(), { view: (d) => d?.session });
  await f.step("list-sessions needs a fresh session", ada.holder, (c) => c.listSessions());
  await f.step("delete-user without a password needs one too", ada.holder, (c) => c.deleteUser({}));
  await f.step("revoke-sessions does not", ada.holder, (c) => c.revokeSessions());
});

flow("session-expired", COOKIE, async (f) => {
  const ada = await f.user("ada");
  await f.hand.expireSession(ada.holder.sessionToken);
  await f.step("an expired session authenticates nothing", ada.holder, (c) => c.organization.list());
  await f.step("then signed out", ada.holder, (c) => c.getSession());
  const bob = await f.user("bob");
  const forgetful = await f.device(bob, { rememberMe: false });
  await f.hand.ageSession(forgetful.sessionToken, 2);
  await f.step("a dont_remember session is never extended", forgetful, (c) => c.getSession());
});

flow("bearer-token-forms", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const signedIn = await f.must("sign in", f.client(), (c) => c.signIn.email({ email: ada.email, password: PASSWORD }), {
    loud: true,
  });
  f.session(signedIn, "ada");
  const bearer = f.client("trusted", "bearer");
  bearer.token = signedIn.token;
  await f.step("raw token", bearer, (c) => c.getSession());
  bearer.token = `${signedIn.token}.not-a-signature`;
  await f.step("token with a bad signature", bearer, (c) => c.getSession());
  bearer.token = "x".repeat(32);
  await f.step("unknown raw token", bearer, (c) => c.getSession());
  const signed = f.client("trusted", "bearer");
  await f.must("sign in for a signed token", signed, (c) => c.signIn.email({ email: ada.email, password: PASSWORD }));
  await f.step("signed token from set-auth-token", signed, (c) => c.listSessions(), {
    view: (sessions) => sessions?.length,
  });
});

flow("list-sessions", BOTH, async (f) => {
  const ada = await f.user("ada");
  await f.device(ada);
  await f.step("list-sessions", ada.holder, (c) => c.listSessions());
  await f.step("unauthenticated", f.client(), (c) => c.listSessions());
});

flow("revoke-session", BOTH, async (f) => {
  const ada = await f.user("ada");
  const other = await f.device(ada);
  await f.step("revoke-session (the other device)", ada.holder, (c) => c.revokeSession({ token: other.sessionToken }));
  await f.step("the other device is signed out", other, (c) => c.getSession());
  await f.step("this one is not", ada.holder, (c) => c.listSessions(), { view: (s) => s?.length });
  await f.step("unknown token", ada.holder, (c) => c.revokeSession({ token: "y".repeat(32) }));
  await f.step("token missing (the client then sends GET)", ada.holder, (c) => c.revokeSession({}));
});

flow("revoke-other-sessions", BOTH, async (f) => {
  const ada = await f.user("ada");
  const second = await f.device(ada);
  const third = await f.device(ada);
  await f.step("revoke-other-sessions", ada.holder, (c) => c.revokeOtherSessions());
  await f.step("second device signed out", second, (c) => c.getSession());
  await f.step("third device signed out", third, (c) => c.getSession());
  await f.step("current session kept", ada.holder, (c) => c.listSessions());
});

flow("revoke-sessions", BOTH, async (f) => {
  const ada = await f.user("ada");
  const second = await f.device(ada);
  await f.step("revoke-sessions", ada.holder, (c) => c.revokeSessions());
  await f.step("current session gone", ada.holder, (c) => c.getSession());
  await f.step("other session gone", second, (c) => c.getSession());
});

flow("update-user", BOTH, async (f) => {
  const ada = await f.user("ada");
  await f.step("update-user", ada.holder, (c) => c.updateUser({ name: "Ada Lovelace", image: "https://img.example.com/a.png" }));
  await f.step("session shows it", ada.holder, (c) => c.getSession());
  await f.step("image cleared", ada.holder, (c) => c.updateUser({ image: null }));
  await f.step("session shows no image", ada.holder, (c) => c.getSession(), { view: (d) => d?.user });
});

flow("update-user-errors", COOKIE, async (f) => {
  const ada = await f.user("ada");
  await f.step("email cannot change here", ada.holder, (c) => c.updateUser({ email: f.email("other") }));
  await f.step("unknown keys are ignored", ada.holder, (c) => c.updateUser({ name: "Ada L.", favouriteColour: "teal" }));
  await f.step("unauthenticated", f.client(), (c) => c.updateUser({ name: "Nobody" }));
  await f.step("nothing changed", ada.holder, (c) => c.getSession(), { view: (d) => d?.user });
});

flow("change-password", BOTH, async (f) => {
  const ada = await f.user("ada");
  const next = "a brand new passphrase 7";
  await f.step("wrong current password", ada.holder, (c) =>
    c.changePassword({ currentPassword: "not the password 42", newPassword: next }),
  );
  await f.step("new password too short", ada.holder, (c) => c.changePassword({ currentPassword: PASSWORD, newPassword: "short" }));
  await f.step("change-password", ada.holder, (c) => c.changePassword({ currentPassword: PASSWORD, newPassword: next }));
  await f.step("old password refused", f.client(), (c) => c.signIn.email({ email: ada.email, password: PASSWORD }));
  const holder = f.client();
  const signedIn = await f.step("new password works", holder, (c) => c.signIn.email({ email: ada.email, password: next }), {
    view: (d) => d?.user?.id,
  });
  f.session(signedIn.data, "ada");
});

flow("change-password-revoke-others", BOTH, async (f) => {
  const ada = await f.user("ada");
  const other = await f.device(ada);
  const changed = await f.step("change-password, revokeOtherSessions", ada.holder, (c) =>
    c.changePassword({ currentPassword: PASSWORD, newPassword: "a brand new passphrase 7", revokeOtherSessions: true }),
  );
  f.session(changed.data, "ada");
  await f.step("the other device is signed out", other, (c) => c.getSession());
  await f.step("this client holds the new session", ada.holder, (c) => c.getSession(), {
    view: (d) => d && { user: d.user.id, token: d.session.token },
  });
});

flow("delete-user", COOKIE, async (f) => {
  const ada = await f.user("ada");
  await f.step("wrong password", ada.holder, (c) => c.deleteUser({ password: "not the password 42" }));
  await f.step("delete-user", ada.holder, (c) => c.deleteUser({ password: PASSWORD }));
  await f.step("session gone", ada.holder, (c) => c.getSession());
  await f.step("cannot sign in", f.client(), (c) => c.signIn.email({ email: ada.email, password: PASSWORD }));
  await f.step("unauthenticated", f.client(), (c) => c.deleteUser({ password: PASSWORD }));
});

flow("unauthenticated-calls", BOTH, async (f) => {
  const anonymous = f.client();
  await f.step("revoke-sessions", anonymous, (c) => c.revokeSessions());
  await f.step("change-password", anonymous, (c) => c.changePassword({ currentPassword: PASSWORD, newPassword: "x".repeat(12) }));
  await f.step("organization/list", anonymous, (c) => c.organization.list());
  await f.step("organization/create", anonymous, (c) => c.organization.create({ name: "X", slug: f.slug("x") }));
  await f.step("admin/list-users", anonymous, (c) => c.admin.listUsers({ query: {} }));
  await f.step("get-active-member", anonymous, (c) => c.organization.getActiveMember());
});

// ---------------------------------------------------------------- origin checks

flow("origin-missing", COOKIE, async (f) => {
  await f.step("sign-up without Origin (Node's fetch sends Sec-Fetch-Mode)", f.client(null), (c) =>
    c.signUp.email({ email: f.email("bob"), password: PASSWORD, name: "Bob" }),
  );
  await f.step("sign-in without Origin, no cookie", f.client(null), (c) =>
    c.signIn.email({ email: f.email("bob"), password: PASSWORD }),
  );
  const ada = await f.user("ada");
  ada.holder.origin = null;
  await f.step("GET needs no Origin", ada.holder, (c) => c.getSession(), { view: (d) => d?.user?.id });
  await f.step("update-user with a cookie, no Origin", ada.holder, (c) => c.updateUser({ name: "Changed" }));
  await f.step("sign-out with a cookie, no Origin", ada.holder, (c) => c.signOut());
  await f.step("organization/create with a cookie, no Origin", ada.holder, (c) =>
    c.organization.create({ name: "X", slug: f.slug("x") }),
  );
  ada.holder.origin = "null";
  await f.step("Origin: null", ada.holder, (c) => c.updateUser({ name: "Changed" }));
  ada.holder.origin = null;
  await f.step("Referer instead of Origin", ada.holder, (c) =>
    c.updateUser({ name: "Referred" }, { headers: { referer: `${f.config.origin}/settings` } }),
  );
  ada.holder.origin = f.config.origin;
  await f.step("nothing changed", ada.holder, (c) => c.getSession(), { view: (d) => d?.user?.name });
});

flow("origin-untrusted", COOKIE, async (f) => {
  await f.step("sign-up from an untrusted origin, no cookie", f.client("untrusted"), (c) =>
    c.signUp.email({ email: f.email("bob"), password: PASSWORD, name: "Bob" }),
  );
  const ada = await f.user("ada");
  ada.holder.origin = f.config.untrustedOrigin;
  await f.step("GET is not checked", ada.holder, (c) => c.getSession(), { view: (d) => d?.user?.id });
  await f.step("update-user from an untrusted origin", ada.holder, (c) => c.updateUser({ name: "Changed" }));
  await f.step("revoke-sessions from an untrusted origin", ada.holder, (c) => c.revokeSessions());
  await f.step("sign-in with a cookie from an untrusted origin", ada.holder, (c) =>
    c.signIn.email({ email: ada.email, password: PASSWORD }),
  );
  ada.holder.origin = f.config.origin;
  await f.step("still signed in, unchanged", ada.holder, (c) => c.getSession(), { view: (d) => d?.user?.name });
});

// ---------------------------------------------------------------- organizations

flow("organization-create", BOTH, async (f) => {
  const ada = await f.user("ada");
  const created = await f.step("organization/create", ada.holder, (c) =>
    c.organization.create({ name: "Acme", slug: f.slug("acme"), logo: "https://img.example.com/acme.png", metadata: { plan: "team" } }),
  );
  f.names.add(created.data?.id, "acme");
  for (const member of created.data?.members ?? []) f.names.add(member.id, "ada@acme");
  await f.step("organization/list", ada.holder, (c) => c.organization.list());
  await f.step("the new organization is active", ada.holder, (c) => c.getSession(), { view: (d) => d?.session });
  await f.step("check-slug: taken", ada.holder, (c) => c.organization.checkSlug({ slug: f.slug("acme") }));
  await f.step("check-slug: free", ada.holder, (c) => c.organization.checkSlug({ slug: f.slug("free") }));
});

flow("organization-create-errors", COOKIE, async (f) => {
  const ada = await f.user("ada");
  await f.organization(ada, "acme");
  await f.step("duplicate slug", ada.holder, (c) => c.organization.create({ name: "Acme again", slug: f.slug("acme") }));
  await f.step("name missing", ada.holder, (c) => c.organization.create({ slug: f.slug("other") }));
  await f.step("slug not a string", ada.holder, (c) => c.organization.create({ name: "Other", slug: 7 }));
  await f.step("keepCurrentActiveOrganization", ada.holder, (c) =>
    c.organization.create({ name: "Second", slug: f.slug("second"), keepCurrentActiveOrganization: true }),
    { view: (d) => d && { name: d.name, members: d.members?.length } },
  );
  await f.step("still the first active", ada.holder, (c) => c.getSession(), { view: (d) => d?.session?.activeOrganizationId });
  await f.step("both listed", ada.holder, (c) => c.organization.list(), { view: (list) => list?.map((o) => o.slug) });
});

flow("organization-set-active", BOTH, async (f) => {
  const ada = await f.user("ada");
  const first = await f.organization(ada, "first");
  await f.organization(ada, "second");
  await f.step("set-active by id", ada.holder, (c) => c.organization.setActive({ organizationId: first.id }));
  await f.step("get-active-member", ada.holder, (c) => c.organization.getActiveMember());
  await f.step("get-active-member-role", ada.holder, (c) => c.organization.getActiveMemberRole());
  await f.step("set-active by slug", ada.holder, (c) => c.organization.setActive({ organizationSlug: f.slug("second") }), {
    view: (d) => d && { id: d.id, slug: d.slug },
  });
  await f.step("session follows", ada.holder, (c) => c.getSession(), { view: (d) => d?.session?.activeOrganizationId });
  await f.step("set-active null", ada.holder, (c) => c.organization.setActive({ organizationId: null }));
  await f.step("no active member", ada.holder, (c) => c.organization.getActiveMember());
  await f.step("no active organization in session", ada.holder, (c) => c.getSession(), {
    view: (d) => d?.session?.activeOrganizationId ?? null,
  });
  const bob = await f.user("bob");
  await f.step("non-member set-active", bob.holder, (c) => c.organization.setActive({ organizationId: first.id }));
  await f.step("unknown organization", bob.holder, (c) => c.organization.setActive({ organizationSlug: f.slug("nowhere") }));
});

flow("organization-full", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme", { metadata: { tier: 1 } });
  await f.join(ada, bob, acme, "admin", "acme");
  const pending = await f.must("invite carol", ada.holder, (c) =>
    c.organization.inviteMember({ email: f.email("carol"), role: "member", organizationId: acme.id }),
  );
  f.names.add(pending.id, "invitation:carol");
  await f.step("get-full-organization (active)", ada.holder, (c) => c.organization.getFullOrganization());
  await f.step("by slug, membersLimit 1", ada.holder, (c) =>
    c.organization.getFullOrganization({ query: { organizationSlug: f.slug("acme"), membersLimit: 1 } }),
    { view: (d) => d && { id: d.id, members: d.members?.length, invitations: d.invitations?.length } },
  );
  await f.step("by id, as the admin member", bob.holder, (c) =>
    c.organization.getFullOrganization({ query: { organizationId: acme.id } }),
    { view: (d) => d && { id: d.id, members: d.members?.map((m) => ({ email: m.user?.email, role: m.role })) } },
  );
});

flow("organization-update", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  await f.join(ada, bob, acme, "member", "acme");
  await f.step("organization/update", ada.holder, (c) =>
    c.organization.update({ organizationId: acme.id, data: { name: "Acme Corp", metadata: { plan: "pro" }, logo: "https://img.example.com/l.png" } }),
  );
  await f.must("another organization", ada.holder, (c) =>
    c.organization.create({ name: "Other", slug: f.slug("other"), keepCurrentActiveOrganization: true }),
  );
  await f.step("update to a taken slug", ada.holder, (c) =>
    c.organization.update({ organizationId: acme.id, data: { slug: f.slug("other") } }),
  );
  await f.step("a plain member may not update", bob.holder, (c) =>
    c.organization.update({ organizationId: acme.id, data: { name: "Bob's" } }),
  );
  const carol = await f.user("carol");
  await f.step("a non-member may not update", carol.holder, (c) =>
    c.organization.update({ organizationId: acme.id, data: { name: "Carol's" } }),
  );
  await f.step("unchanged by them", ada.holder, (c) => c.organization.getFullOrganization({ query: { organizationId: acme.id } }), {
    view: (d) => d && { name: d.name, metadata: d.metadata, slug: d.slug },
  });
});

flow("organization-delete", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  await f.join(ada, bob, acme, "admin", "acme");
  await f.step("an admin may not delete", bob.holder, (c) => c.organization.delete({ organizationId: acme.id }));
  await f.step("organization/delete", ada.holder, (c) => c.organization.delete({ organizationId: acme.id }));
  await f.step("listed no more", ada.holder, (c) => c.organization.list());
  await f.step("not found any more", ada.holder, (c) => c.organization.getFullOrganization({ query: { organizationId: acme.id } }));
  await f.step("no active organization", ada.holder, (c) => c.getSession(), { view: (d) => d?.session?.activeOrganizationId ?? null });
  await f.step("delete again", ada.holder, (c) => c.organization.delete({ organizationId: acme.id }));
});

flow("organization-non-member", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const acme = await f.organization(ada, "acme");
  const mallory = await f.user("mallory");
  const id = { organizationId: acme.id };
  await f.step("get-full-organization", mallory.holder, (c) => c.organization.getFullOrganization({ query: id }));
  await f.step("list-members", mallory.holder, (c) => c.organization.listMembers({ query: id }));
  await f.step("list-invitations", mallory.holder, (c) => c.organization.listInvitations({ query: id }));
  await f.step("invite-member", mallory.holder, (c) => c.organization.inviteMember({ email: f.email("eve"), role: "member", ...id }));
  await f.step("create-team", mallory.holder, (c) => c.organization.createTeam({ name: "Intruders", ...id }));
  await f.step("list-teams", mallory.holder, (c) => c.organization.listTeams({ query: id }));
  await f.step("leave", mallory.holder, (c) => c.organization.leave(id));
  await f.step("get-active-member without an active organization", mallory.holder, (c) => c.organization.getActiveMember());
  await f.step("get-active-member-role of a foreign organization", mallory.holder, (c) =>
    c.organization.getActiveMemberRole({ query: id }),
  );
});

// ---------------------------------------------------------------- invitations

flow("invitation-accept", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  const invited = await f.step("invite-member", ada.holder, (c) =>
    c.organization.inviteMember({ email: bob.email, role: "admin", organizationId: acme.id }),
  );
  f.names.add(invited.data?.id, "invitation");
  await f.step("list-invitations", ada.holder, (c) => c.organization.listInvitations({ query: { organizationId: acme.id } }));
  await f.step("list-user-invitations, email not verified", bob.holder, (c) => c.organization.listUserInvitations());
  await f.verified(bob);
  await f.step("list-user-invitations", bob.holder, (c) => c.organization.listUserInvitations());
  await f.step("get-invitation", bob.holder, (c) => c.organization.getInvitation({ query: { id: invited.data?.id } }));
  const accepted = await f.step("accept-invitation", bob.holder, (c) =>
    c.organization.acceptInvitation({ invitationId: invited.data?.id }),
  );
  f.names.add(accepted.data?.member?.id, "bob@acme");
  await f.step("accepting makes it active", bob.holder, (c) => c.getSession(), { view: (d) => d?.session?.activeOrganizationId });
  await f.step("get-active-member-role", bob.holder, (c) => c.organization.getActiveMemberRole());
  await f.step("list-members", ada.holder, (c) => c.organization.listMembers({ query: { organizationId: acme.id } }));
  await f.step("accept twice", bob.holder, (c) => c.organization.acceptInvitation({ invitationId: invited.data?.id }));
  await f.step("no longer pending for bob", bob.holder, (c) => c.organization.listUserInvitations(), {
    view: (list) => list?.map((i) => ({ email: i.email, status: i.status })),
  });
});

flow("invitation-reject", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  const invitation = await f.must("invite", ada.holder, (c) =>
    c.organization.inviteMember({ email: bob.email, role: "member", organizationId: acme.id }),
  );
  f.names.add(invitation.id, "invitation");
  await f.step("reject-invitation", bob.holder, (c) => c.organization.rejectInvitation({ invitationId: invitation.id }));
  await f.step("status rejected", ada.holder, (c) => c.organization.listInvitations({ query: { organizationId: acme.id } }), {
    view: (list) => list?.map((i) => ({ email: i.email, status: i.status })),
  });
  await f.step("accept after rejecting", bob.holder, (c) => c.organization.acceptInvitation({ invitationId: invitation.id }));
  await f.step("not a member", bob.holder, (c) => c.organization.list());
});

flow("invitation-cancel", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  const invitation = await f.must("invite", ada.holder, (c) =>
    c.organization.inviteMember({ email: bob.email, role: "member", organizationId: acme.id }),
  );
  f.names.add(invitation.id, "invitation");
  await f.step("the invitee may not cancel", bob.holder, (c) => c.organization.cancelInvitation({ invitationId: invitation.id }));
  await f.step("cancel-invitation", ada.holder, (c) => c.organization.cancelInvitation({ invitationId: invitation.id }));
  await f.step("accept a canceled invitation", bob.holder, (c) => c.organization.acceptInvitation({ invitationId: invitation.id }));
  await f.step("reject a canceled invitation", bob.holder, (c) => c.organization.rejectInvitation({ invitationId: invitation.id }));
  await f.step("get a canceled invitation", bob.holder, (c) => c.organization.getInvitation({ query: { id: invitation.id } }));
  await f.step("cancel an unknown invitation", ada.holder, (c) => c.organization.cancelInvitation({ invitationId: "z".repeat(32) }));
});

flow("invitation-foreign", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const carol = await f.user("carol");
  const acme = await f.organization(ada, "acme");
  const invitation = await f.must("invite bob", ada.holder, (c) =>
    c.organization.inviteMember({ email: bob.email, role: "member", organizationId: acme.id }),
  );
  f.names.add(invitation.id, "invitation");
  await f.step("carol accepts bob's invitation", carol.holder, (c) => c.organization.acceptInvitation({ invitationId: invitation.id }));
  await f.step("carol rejects bob's invitation", carol.holder, (c) => c.organization.rejectInvitation({ invitationId: invitation.id }));
  await f.step("carol reads bob's invitation", carol.holder, (c) => c.organization.getInvitation({ query: { id: invitation.id } }));
  await f.verified(carol);
  await f.verified(bob);
  await f.step("carol's own invitations", carol.holder, (c) => c.organization.listUserInvitations());
  await f.step("still pending", bob.holder, (c) => c.organization.listUserInvitations(), {
    view: (list) => list?.map((i) => ({ email: i.email, status: i.status })),
  });
  await f.step("unknown invitation", bob.holder, (c) => c.organization.acceptInvitation({ invitationId: "z".repeat(32) }));
});

flow("invitation-expired", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  const invitation = await f.must("invite bob", ada.holder, (c) =>
    c.organization.inviteMember({ email: bob.email, role: "member", organizationId: acme.id }),
  );
  f.names.add(invitation.id, "invitation");
  await f.hand.expireInvitation(invitation.id);
  await f.step("get an expired invitation", bob.holder, (c) => c.organization.getInvitation({ query: { id: invitation.id } }));
  await f.step("accept an expired invitation", bob.holder, (c) => c.organization.acceptInvitation({ invitationId: invitation.id }));
  await f.step("reject an expired invitation", bob.holder, (c) => c.organization.rejectInvitation({ invitationId: invitation.id }));
  await f.step("not a member", bob.holder, (c) => c.organization.list());
  await f.verified(bob);
  await f.step("expired invitations are not the user's", bob.holder, (c) => c.organization.listUserInvitations());
});

flow("invitation-errors", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const carol = await f.user("carol");
  const acme = await f.organization(ada, "acme");
  await f.join(ada, bob, acme, "member", "acme");
  const id = { organizationId: acme.id };
  await f.step("invite a member", ada.holder, (c) => c.organization.inviteMember({ email: bob.email, role: "member", ...id }));
  const first = await f.must("invite carol", ada.holder, (c) => c.organization.inviteMember({ email: carol.email, role: "member", ...id }));
  f.names.add(first.id, "invitation:carol");
  await f.step("invite carol again", ada.holder, (c) => c.organization.inviteMember({ email: carol.email, role: "member", ...id }));
  await f.step("resend", ada.holder, (c) => c.organization.inviteMember({ email: carol.email, role: "admin", resend: true, ...id }));
  await f.step("malformed email", ada.holder, (c) => c.organization.inviteMember({ email: "not-an-email", role: "member", ...id }));
  await f.step("unknown role", ada.holder, (c) => c.organization.inviteMember({ email: f.email("dave"), role: "emperor", ...id }));
  await f.step("roles as a list", ada.holder, (c) => c.organization.inviteMember({ email: f.email("erin"), role: ["member", "admin"], ...id }));
  await f.step("a plain member may not invite", bob.holder, (c) => c.organization.inviteMember({ email: f.email("dave"), role: "member", ...id }));
  await f.step("pending invitations", ada.holder, (c) => c.organization.listInvitations({ query: id }), {
    view: (list) => list?.map((i) => ({ email: i.email, role: i.role, status: i.status })),
  });
});

// ---------------------------------------------------------------- members

flow("members-list", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const carol = await f.user("carol");
  const acme = await f.organization(ada, "acme");
  await f.join(ada, bob, acme, "admin", "acme");
  await f.join(ada, carol, acme, "member", "acme");
  const id = { organizationId: acme.id };
  await f.step("list-members", ada.holder, (c) => c.organization.listMembers({ query: id }));
  await f.step("limit 2, offset 1, by createdAt", ada.holder, (c) =>
    c.organization.listMembers({ query: { ...id, limit: 2, offset: 1, sortBy: "createdAt", sortDirection: "asc" } }),
    { ordered: true, view: (d) => d && { total: d.total, members: d.members.map((m) => m.user.email) } },
  );
  await f.step("filtered by role", ada.holder, (c) =>
    c.organization.listMembers({ query: { ...id, filterField: "role", filterOperator: "eq", filterValue: "member" } }),
    { view: (d) => d && { total: d.total, members: d.members.map((m) => m.user.email) } },
  );
  await f.step("active organization by default", carol.holder, (c) => c.organization.listMembers(), {
    view: (d) => d && { total: d.total, members: d.members.map((m) => ({ email: m.user.email, role: m.role })) },
  });
});

flow("member-role", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const carol = await f.user("carol");
  const acme = await f.organization(ada, "acme");
  const bobMember = await f.join(ada, bob, acme, "member", "acme");
  const carolMember = await f.join(ada, carol, acme, "member", "acme");
  const owner = acme.members[0];
  await f.step("update-member-role", ada.holder, (c) =>
    c.organization.updateMemberRole({ memberId: bobMember.id, role: "admin", organizationId: acme.id }),
  );
  await f.step("bob's role now", bob.holder, (c) => c.organization.getActiveMemberRole());
  await f.step("bob's active member", bob.holder, (c) => c.organization.getActiveMember());
  await f.step("a plain member may not change roles", carol.holder, (c) =>
    c.organization.updateMemberRole({ memberId: bobMember.id, role: "member", organizationId: acme.id }),
  );
  await f.step("an admin may not demote the owner", bob.holder, (c) =>
    c.organization.updateMemberRole({ memberId: owner.id, role: "member", organizationId: acme.id }),
  );
  await f.step("unknown member", ada.holder, (c) =>
    c.organization.updateMemberRole({ memberId: "z".repeat(32), role: "admin", organizationId: acme.id }),
  );
  await f.step("unknown role", ada.holder, (c) =>
    c.organization.updateMemberRole({ memberId: carolMember.id, role: "emperor", organizationId: acme.id }),
  );
  await f.step("roles as a list", ada.holder, (c) =>
    c.organization.updateMemberRole({ memberId: carolMember.id, role: ["admin", "member"], organizationId: acme.id }),
  );
});

flow("member-remove", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const carol = await f.user("carol");
  const dave = await f.user("dave");
  const acme = await f.organization(ada, "acme");
  const bobMember = await f.join(ada, bob, acme, "member", "acme");
  await f.join(ada, carol, acme, "member", "acme");
  await f.join(ada, dave, acme, "member", "acme");
  await f.step("a plain member may not remove", dave.holder, (c) =>
    c.organization.removeMember({ memberIdOrEmail: bobMember.id, organizationId: acme.id }),
  );
  await f.step("remove-member by id", ada.holder, (c) =>
    c.organization.removeMember({ memberIdOrEmail: bobMember.id, organizationId: acme.id }),
  );
  await f.step("remove-member by email", ada.holder, (c) =>
    c.organization.removeMember({ memberIdOrEmail: carol.email, organizationId: acme.id }),
  );
  await f.step("remove an unknown member", ada.holder, (c) =>
    c.organization.removeMember({ memberIdOrEmail: f.email("nobody"), organizationId: acme.id }),
  );
  await f.step("the removed user is out", bob.holder, (c) => c.organization.getFullOrganization({ query: { organizationId: acme.id } }));
  await f.step("and lost the active organization", bob.holder, (c) => c.getSession(), {
    view: (d) => d?.session?.activeOrganizationId ?? null,
  });
  await f.step("the only owner may not be removed", ada.holder, (c) =>
    c.organization.removeMember({ memberIdOrEmail: ada.email, organizationId: acme.id }),
  );
  await f.step("members left", ada.holder, (c) => c.organization.listMembers({ query: { organizationId: acme.id } }), {
    view: (d) => d && { total: d.total, members: d.members.map((m) => m.user.email) },
  });
});

flow("leave", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  await f.join(ada, bob, acme, "member", "acme");
  await f.step("the only owner leaving", ada.holder, (c) => c.organization.leave({ organizationId: acme.id }));
  await f.step("leave", bob.holder, (c) => c.organization.leave({ organizationId: acme.id }));
  await f.step("leaving clears the active organization", bob.holder, (c) => c.getSession(), {
    view: (d) => d?.session?.activeOrganizationId ?? null,
  });
  await f.step("leave again", bob.holder, (c) => c.organization.leave({ organizationId: acme.id }));
  await f.step("unknown organization", bob.holder, (c) => c.organization.leave({ organizationId: "z".repeat(32) }));
  await f.step("organizationId missing (the client then sends GET)", bob.holder, (c) => c.organization.leave({}));
});

// ---------------------------------------------------------------- teams

flow("teams", BOTH, async (f) => {
  const ada = await f.user("ada");
  const acme = await f.organization(ada, "acme");
  const id = { organizationId: acme.id };
  const created = await f.step("create-team", ada.holder, (c) => c.organization.createTeam({ name: "Core", ...id }));
  f.names.add(created.data?.id, "core");
  const listed = await f.step("list-teams (with the default team)", ada.holder, (c) => c.organization.listTeams({ query: id }));
  f.names.add(listed.data?.find((team) => team.name === "Org acme")?.id, "default-team");
  await f.step("the default team is active", ada.holder, (c) => c.getSession(), { view: (d) => d?.session?.activeTeamId });
  await f.step("update-team", ada.holder, (c) => c.organization.updateTeam({ teamId: created.data?.id, data: { name: "Kernel" } }));
  await f.step("set-active-team, not in the team", ada.holder, (c) => c.organization.setActiveTeam({ teamId: created.data?.id }));
  await f.must("join the team", ada.holder, (c) => c.organization.addTeamMember({ teamId: created.data?.id, userId: ada.id }));
  await f.step("set-active-team", ada.holder, (c) => c.organization.setActiveTeam({ teamId: created.data?.id }));
  await f.step("session has the team", ada.holder, (c) => c.getSession(), { view: (d) => d?.session?.activeTeamId });
  await f.step("list-user-teams", ada.holder, (c) => c.organization.listUserTeams());
  await f.step("set-active-team null", ada.holder, (c) => c.organization.setActiveTeam({ teamId: null }));
  await f.step("session has no team", ada.holder, (c) => c.getSession(), { view: (d) => d?.session?.activeTeamId ?? null });
  await f.step("remove-team", ada.holder, (c) => c.organization.removeTeam({ teamId: created.data?.id, ...id }));
  await f.step("listed no more", ada.holder, (c) => c.organization.listTeams({ query: id }), { view: (list) => list?.map((t) => t.name) });
});

flow("team-members", BOTH, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const carol = await f.user("carol");
  const acme = await f.organization(ada, "acme");
  await f.join(ada, bob, acme, "member", "acme");
  const team = await f.must("create team", ada.holder, (c) => c.organization.createTeam({ name: "Core", organizationId: acme.id }));
  f.names.add(team.id, "core");
  const added = await f.step("add-team-member", ada.holder, (c) => c.organization.addTeamMember({ teamId: team.id, userId: bob.id }));
  f.names.add(added.data?.id, "bob@core");
  await f.step("list-team-members", bob.holder, (c) => c.organization.listTeamMembers({ query: { teamId: team.id } }));
  await f.step("bob's teams", bob.holder, (c) => c.organization.listUserTeams(), { view: (list) => list?.map((t) => t.name) });
  await f.step("ada is not in the team", ada.holder, (c) => c.organization.listTeamMembers({ query: { teamId: team.id } }));
  await f.step("add a non-member of the organization", ada.holder, (c) =>
    c.organization.addTeamMember({ teamId: team.id, userId: carol.id }),
  );
  await f.step("a plain member may not add", bob.holder, (c) => c.organization.addTeamMember({ teamId: team.id, userId: ada.id }));
  await f.step("remove-team-member", ada.holder, (c) => c.organization.removeTeamMember({ teamId: team.id, userId: bob.id }));
  await f.step("bob's teams now", bob.holder, (c) => c.organization.listUserTeams());
});

flow("team-errors", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  await f.join(ada, bob, acme, "member", "acme");
  const id = { organizationId: acme.id };
  await f.step("a plain member may not create teams", bob.holder, (c) => c.organization.createTeam({ name: "Mine", ...id }));
  await f.step("name missing", ada.holder, (c) => c.organization.createTeam({ ...id }));
  await f.step("update an unknown team", ada.holder, (c) => c.organization.updateTeam({ teamId: "z".repeat(32), data: { name: "X" } }));
  await f.step("remove an unknown team", ada.holder, (c) => c.organization.removeTeam({ teamId: "z".repeat(32), ...id }));
  await f.step("set an unknown active team", ada.holder, (c) => c.organization.setActiveTeam({ teamId: "z".repeat(32) }));
  const teams = await f.must("list", ada.holder, (c) => c.organization.listTeams({ query: id }));
  await f.step("remove the last team", ada.holder, (c) => c.organization.removeTeam({ teamId: teams[0]?.id, ...id }));
});

flow("team-invitation", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  const acme = await f.organization(ada, "acme");
  const team = await f.must("create team", ada.holder, (c) => c.organization.createTeam({ name: "Core", organizationId: acme.id }));
  f.names.add(team.id, "core");
  const invited = await f.step("invite into a team", ada.holder, (c) =>
    c.organization.inviteMember({ email: bob.email, role: "member", organizationId: acme.id, teamId: team.id }),
  );
  f.names.add(invited.data?.id, "invitation");
  await f.step("invite into an unknown team", ada.holder, (c) =>
    c.organization.inviteMember({ email: f.email("carol"), role: "member", organizationId: acme.id, teamId: "z".repeat(32) }),
  );
  await f.step("accept", bob.holder, (c) => c.organization.acceptInvitation({ invitationId: invited.data?.id }), {
    view: (d) => d && { status: d.invitation.status, role: d.member.role },
  });
  await f.step("bob is in the team", bob.holder, (c) => c.organization.listUserTeams(), { view: (list) => list?.map((t) => t.name) });
});

// ---------------------------------------------------------------- admin

flow("admin-non-admin", COOKIE, async (f) => {
  const ada = await f.user("ada");
  const bob = await f.user("bob");
  await f.step("list-users", ada.holder, (c) => c.admin.listUsers({ query: {} }));
  await f.step("set-role", ada.holder, (c) => c.admin.setRole({ userId: ada.id, role: "admin" }));
  await f.step("create-user", ada.holder, (c) => c.admin.createUser({ email: f.email("new"), password: PASSWORD, name: "New" }));
  await f.step("ban-user", ada.holder, (c) => c.admin.banUser({ userId: bob.id }));
  await f.step("unban-user", ada.holder, (c) => c.admin.unbanUser({ userId: bob.id }));
  await f.step("impersonate-user", ada.holder, (c) => c.admin.impersonateUser({ userId: bob.id }));
  await f.step("list-user-sessions", ada.holder, (c) => c.admin.listUserSessions({ userId: bob.id }));
  await f.step("revoke-user-sessions", ada.holder, (c) => c.admin.revokeUserSessions({ userId: bob.id }));
  await f.step("remove-user", ada.holder, (c) => c.admin.removeUser({ userId: bob.id }));
  await f.step("stop-impersonating while not impersonating", ada.holder, (c) => c.admin.stopImpersonating());
  await f.step("still a user", ada.holder, (c) => c.getSession(), { view: (d) => d?.user?.role });
});

flow("admin-list-users", BOTH, async (f) => {
  const admin = await f.admin();
  await f.user("bob", { name: "Bob" });
  await f.user("carol", { name: "Carol" });
  const mine = `${f.spec.name}-${f.spec.mode}-`;
  const search = { searchField: "email", searchOperator: "contains", searchValue: mine };
  await f.step("list-users", admin.holder, (c) => c.admin.listUsers({ query: { ...search, sortBy: "email", sortDirection: "asc" } }), {
    ordered: true,
  });
  await f.step("limit 1, offset 1", admin.holder, (c) =>
    c.admin.listUsers({ query: { ...search, limit: 1, offset: 1, sortBy: "email", sortDirection: "desc" } }),
    { ordered: true, view: (d) => d && { total: d.total, limit: d.limit, offset: d.offset, users: d.users.map((u) => u.email) } },
  );
  await f.step("by name", admin.holder, (c) =>
    c.admin.listUsers({ query: { ...search, filterField: "name", filterOperator: "eq", filterValue: "Carol" } }),
    { view: (d) => d && { total: d.total, users: d.users.map((u) => u.email) } },
  );
  await f.step("search by name", admin.holder, (c) =>
    c.admin.listUsers({ query: { searchField: "name", searchOperator: "starts_with", searchValue: "Bo", filterField: "email", filterOperator: "contains", filterValue: mine } }),
    { view: (d) => d && { total: d.total, users: d.users.map((u) => u.email) } },
  );
});

flow("admin-create-user", COOKIE, async (f) => {
  const admin = await f.admin();
  const created = await f.step("create-user", admin.holder, (c) =>
    c.admin.createUser({ email: f.email("new"), password: PASSWORD, name: "New", role: "user" }),
  );
  f.names.add(created.data?.user?.id, "new");
  await f.step("the new user signs in", f.client(), (c) => c.signIn.email({ email: f.email("new"), password: PASSWORD }), {
    view: (d) => d?.user?.id,
  });
  await f.step("same email again", admin.holder, (c) => c.admin.createUser({ email: f.email("new"), password: PASSWORD, name: "Again" }));
  await f.step("malformed email", admin.holder, (c) => c.admin.createUser({ email: "not-an-email", password: PASSWORD, name: "X" }));
  await f.step("set-role", admin.holder, (c) => c.admin.setRole({ userId: created.data?.user?.id, role: "admin" }));
  await f.step("set-role of an unknown user", admin.holder, (c) => c.admin.setRole({ userId: "z".repeat(32), role: "admin" }));
  await f.step("create an admin", admin.holder, (c) =>
    c.admin.createUser({ email: f.email("boss"), password: PASSWORD, name: "Boss", role: "admin" }),
    { view: (d) => d && { role: d.user.role, email: d.user.email } },
  );
});

flow("admin-ban", COOKIE, async (f) => {
  const admin = await f.admin();
  const bob = await f.user("bob");
  await f.step("ban-user", admin.holder, (c) => c.admin.banUser({ userId: bob.id, banReason: "spam", banExpiresIn: 3600 }));
  await f.step("the ban revoked bob's sessions", bob.holder, (c) => c.getSession());
  await f.step("banned sign-in", f.client(), (c) => c.signIn.email({ email: bob.email, password: PASSWORD }));
  await f.step("ban yourself", admin.holder, (c) => c.admin.banUser({ userId: admin.id }));
  await f.step("ban an unknown user", admin.holder, (c) => c.admin.banUser({ userId: "z".repeat(32) }));
  await f.step("unban-user", admin.holder, (c) => c.admin.unbanUser({ userId: bob.id }));
  const holder = f.client();
  const signedIn = await f.step("sign-in after the unban", holder, (c) => c.signIn.email({ email: bob.email, password: PASSWORD }), {
    view: (d) => d?.user && { banned: d.user.banned, banReason: d.user.banReason },
  });
  f.session(signedIn.data, "bob");
  await f.step("ban without expiry", admin.holder, (c) => c.admin.banUser({ userId: bob.id }), {
    view: (d) => d && { banned: d.user.banned, banReason: d.user.banReason, banExpires: d.user.banExpires },
  });
  await f.step("signed out again", holder, (c) => c.getSession());
});

flow("admin-user-sessions", COOKIE, async (f) => {
  const admin = await f.admin();
  const bob = await f.user("bob");
  const second = await f.device(bob);
  await f.step("list-user-sessions", admin.holder, (c) => c.admin.listUserSessions({ userId: bob.id }));
  await f.step("revoke-user-session", admin.holder, (c) =>
    c.admin.revokeUserSession({ sessionToken: second.sessionToken }),
  );
  await f.step("that device is signed out", second, (c) => c.getSession());
  await f.step("the first is not", bob.holder, (c) => c.getSession(), { view: (d) => d?.user?.id });
  await f.step("revoke-user-sessions", admin.holder, (c) => c.admin.revokeUserSessions({ userId: bob.id }));
  await f.step("all signed out", bob.holder, (c) => c.getSession());
  await f.step("none left", admin.holder, (c) => c.admin.listUserSessions({ userId: bob.id }));
});

flow("admin-remove-user", COOKIE, async (f) => {
  const admin = await f.admin();
  const bob = await f.user("bob");
  await f.step("remove yourself", admin.holder, (c) => c.admin.removeUser({ userId: admin.id }));
  await f.step("remove-user", admin.holder, (c) => c.admin.removeUser({ userId: bob.id }));
  await f.step("bob's session is gone", bob.holder, (c) => c.getSession());
  await f.step("bob cannot sign in", f.client(), (c) => c.signIn.email({ email: bob.email, password: PASSWORD }));
  await f.step("remove an unknown user", admin.holder, (c) => c.admin.removeUser({ userId: bob.id }));
  await f.step("bob's email is free again", f.client(), (c) => c.signUp.email({ email: bob.email, password: PASSWORD, name: "Bob" }), {
    view: (d) => d?.user?.email,
  });
});

flow("impersonation", COOKIE, async (f) => {
  const admin = await f.admin();
  const bob = await f.user("bob");
  const other = await f.admin("other");
  const impersonated = await f.step("impersonate-user", admin.holder, (c) => c.admin.impersonateUser({ userId: bob.id }));
  f.session(impersonated.data, "impersonation");
  await f.step("acting as bob", admin.holder, (c) => c.getSession());
  await f.step("bob's sessions do not show it", bob.holder, (c) => c.listSessions(), { view: (list) => list?.length });
  await f.step("an impersonated session is no admin", admin.holder, (c) => c.admin.listUsers({ query: {} }));
  const stopped = await f.step("stop-impersonating", admin.holder, (c) => c.admin.stopImpersonating());
  await f.step("the admin's own session is back", admin.holder, (c) => c.getSession());
  await f.step("admin again", admin.holder, (c) => c.admin.listUserSessions({ userId: bob.id }), {
    view: (d) => d?.sessions?.length,
  });
  await f.step("impersonate another admin", admin.holder, (c) => c.admin.impersonateUser({ userId: other.id }));
  await f.step("impersonate an unknown user", admin.holder, (c) => c.admin.impersonateUser({ userId: "z".repeat(32) }));
  await f.step("stop when not impersonating", admin.holder, (c) => c.admin.stopImpersonating());
  void stopped;
});

// ---------------------------------------------------------------- runner

/** The harness's own writes on the shared database (what no public endpoint can do). */
async function databaseHand(config) {
  const { auth, close } = await createAuth({
    db: config.db,
    url: config.url,
    secret: config.secret,
    baseURL: "http://127.0.0.1:9",
  });
  const context = await auth.$context;
  return {
    close,
    promote: (userId) => context.internalAdapter.updateUser(userId, { role: "admin" }),
    verifyEmail: (userId) => context.internalAdapter.updateUser(userId, { emailVerified: true }),
    // Make a session `days` old: created and updated then, expiring a full lifetime after that.
    ageSession: (token, days) => {
      const created = new Date(Date.now() - days * DAY);
      const lifetime = 7 * DAY;
      return context.internalAdapter.updateSession(token, {
        createdAt: created,
        updatedAt: created,
        expiresAt: new Date(created.getTime() + lifetime),
      });
    },
    expireSession: (token) => context.internalAdapter.updateSession(token, { expiresAt: new Date(Date.now() - 60_000) }),
    expireInvitation: (id) =>
      context.adapter.update({
        model: "invitation",
        where: [{ field: "id", value: id }],
        update: { expiresAt: new Date(Date.now() - 60_000) },
      }),
  };
}

async function runFlow(spec, config, hand) {
  const f = new Flow(spec, config, hand);
  try {
    await spec.body(f);
    return { steps: f.recorder.steps };
  } catch (error) {
    const aborted = error instanceof FlowAborted;
    return { steps: f.recorder.steps, error: aborted ? `aborted: ${error.message}` : `${error?.stack ?? error}` };
  }
}

async function main() {
  const config = JSON.parse(process.argv[2]);
  if (config.list) {
    process.stdout.write(JSON.stringify(FLOWS.map((spec) => spec.id)));
    return;
  }
  const selected = config.only ? FLOWS.filter((spec) => config.only.includes(spec.id)) : FLOWS;
  const hand = await databaseHand(config);
  const results = {};
  const queue = [...selected];
  const worker = async () => {
    for (let spec = queue.shift(); spec; spec = queue.shift()) results[spec.id] = await runFlow(spec, config, hand);
  };
  try {
    await Promise.all(Array.from({ length: config.concurrency ?? 4 }, worker));
  } finally {
    await hand.close();
  }
  const flows = Object.fromEntries(selected.map((spec) => [spec.id, results[spec.id]]));
  process.stdout.write(JSON.stringify({ flows }));
}

main().catch((error) => {
  process.stderr.write(`client-flows.mjs: ${error?.stack ?? error}\n`);
  process.exit(2);
});
