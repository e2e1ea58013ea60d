// Writes tests/data/better-auth-1.7.25-origin-cases.json: Better Auth 1.7.25's own matchesOriginPattern
// over a table of URLs x trusted-origin patterns. Run it in a folder where tests/interop/node is
// installed (npm ci):  node generate-origin-cases.mjs > better-auth-1.7.25-origin-cases.json
import { matchesOriginPattern } from "./node_modules/better-auth/dist/auth/trusted-origins.mjs";
const patterns = ["http://localhost:5173", "https://app.example.com", "https://*.example.com", "*.example.com", "http://192.168.*.*:3000", "192.168.*", "myapp://", "myapp://host/cb", "exp://*/--/*", "https://app.example.com:8443", "http://[::1]:3000", "http://a?c.com"];
const urls = ["http://localhost:5173", "http://localhost:5173/path?q=1", "HTTP://LOCALHOST:5173", "http://localhost:5174", "https://app.example.com", "https://app.example.com:443/x", "https://evil.com", "https://evil.com\\@app.example.com", "https://app.example.com@evil.com", "https://a.b.example.com", "https://example.com", "https://app.example.com.evil.com", "http://192.168.1.5:3000", "http://192.168.attacker.com:3000", "192.168.1.1", "http://192.168.1.1", "myapp://host/cb", "myapp://host/cb/../evil", "myapp://host/cbx", "myapp://other", "exp://192.168.1.2:8081/--/path", "/dashboard", "//evil.com", "/\\evil.com", "/a%2fb", "evil.com", "null", "", "javascript:alert(1)", "https://app.example.com:8443/x", "http://[::1]:3000/x", "http://abc.com", "https://app.example.com\t.evil.com", " https://app.example.com", "https://APP.example.com./"];
const out = [];
for (const p of patterns) for (const u of urls) for (const rel of [false, true]) {
  let r; try { r = matchesOriginPattern(u, p, { allowRelativePaths: rel }); } catch (e) { r = "throw"; }
  out.push([u, p, rel, r]);
}
console.log(JSON.stringify(out));
