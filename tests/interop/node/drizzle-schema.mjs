// Drizzle schema for the shared SQLite / D1 database, written the way the TypeScript stack writes
// it: camelCase column names, dates as integer epoch milliseconds (`timestamp_ms`), booleans as
// 0/1 integers. Only the tables Better Auth uses with its admin and organization (teams) plugins.
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

const ms = (name) => integer(name, { mode: "timestamp_ms" });
const bool = (name) => integer(name, { mode: "boolean" });
const now = () => new Date();

export const user = sqliteTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: bool("emailVerified").notNull().default(false),
  image: text("image"),
  createdAt: ms("createdAt").notNull().$defaultFn(now),
  updatedAt: ms("updatedAt").notNull().$defaultFn(now),
  role: text("role"),
  banned: bool("banned").default(false),
  banReason: text("banReason"),
  banExpires: ms("banExpires"),
});

export const session = sqliteTable("session", {
  id: text("id").primaryKey(),
  expiresAt: ms("expiresAt").notNull(),
  token: text("token").notNull().unique(),
  createdAt: ms("createdAt").notNull().$defaultFn(now),
  updatedAt: ms("updatedAt").notNull().$defaultFn(now),
  ipAddress: text("ipAddress"),
  userAgent: text("userAgent"),
  userId: text("userId").notNull().references(() => user.id, { onDelete: "cascade" }),
  impersonatedBy: text("impersonatedBy"),
  activeOrganizationId: text("activeOrganizationId"),
  activeTeamId: text("activeTeamId"),
});

export const account = sqliteTable("account", {
  id: text("id").primaryKey(),
  accountId: text("accountId").notNull(),
  providerId: text("providerId").notNull(),
  userId: text("userId").notNull().references(() => user.id, { onDelete: "cascade" }),
  accessToken: text("accessToken"),
  refreshToken: text("refreshToken"),
  idToken: text("idToken"),
  accessTokenExpiresAt: ms("accessTokenExpiresAt"),
  refreshTokenExpiresAt: ms("refreshTokenExpiresAt"),
  scope: text("scope"),
  password: text("password"),
  createdAt: ms("createdAt").notNull().$defaultFn(now),
  updatedAt: ms("updatedAt").notNull().$defaultFn(now),
});

export const verification = sqliteTable("verification", {
  id: text("id").primaryKey(),
  identifier: text("identifier").notNull(),
  value: text("value").notNull(),
  expiresAt: ms("expiresAt").notNull(),
  createdAt: ms("createdAt").notNull().$defaultFn(now),
  updatedAt: ms("updatedAt").notNull().$defaultFn(now),
});

export const organization = sqliteTable("organization", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  logo: text("logo"),
  createdAt: ms("createdAt").notNull(),
  metadata: text("metadata"),
});

export const member = sqliteTable("member", {
  id: text("id").primaryKey(),
  organizationId: text("organizationId").notNull().references(() => organization.id, { onDelete: "cascade" }),
  userId: text("userId").notNull().references(() => user.id, { onDelete: "cascade" }),
  role: text("role").notNull().default("member"),
  createdAt: ms("createdAt").notNull(),
});

export const invitation = sqliteTable("invitation", {
  id: text("id").primaryKey(),
  organizationId: text("organizationId").notNull().references(() => organization.id, { onDelete: "cascade" }),
  email: text("email").notNull(),
  role: text("role"),
  teamId: text("teamId"),
  status: text("status").notNull().default("pending"),
  expiresAt: ms("expiresAt").notNull(),
  createdAt: ms("createdAt").notNull().$defaultFn(now),
  inviterId: text("inviterId").notNull().references(() => user.id, { onDelete: "cascade" }),
});

export const team = sqliteTable("team", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  organizationId: text("organizationId").notNull().references(() => organization.id, { onDelete: "cascade" }),
  memberCount: integer("memberCount").notNull().default(0),
  createdAt: ms("createdAt").notNull(),
  updatedAt: ms("updatedAt"),
});

export const teamMember = sqliteTable("teamMember", {
  id: text("id").primaryKey(),
  teamId: text("teamId").notNull().references(() => team.id, { onDelete: "cascade" }),
  userId: text("userId").notNull().references(() => user.id, { onDelete: "cascade" }),
  membershipKey: text("membershipKey").unique(),
  createdAt: ms("createdAt"),
});
