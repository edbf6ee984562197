#!/usr/bin/env node
// Generates src/schema.d.ts from a running server's /api/openapi.json with openapi-typescript.
//
//   node scripts/generate.mjs [BASE_URL or path/to/openapi.json] [--out FILE]
//
// BASE_URL defaults to $BASE_URL, then http://localhost:5050. The output must depend on the
// API contract only, so that CI can regenerate it and diff: two parts of the document do not.
//  - `servers` names the host and port the document was fetched from.
//  - examples: openapi-typescript copies them into JSDoc `@example` blocks, and some are built
//    at request time (the auction `deadline` example is now + 7 days), so the file would
//    change every day. They are removed before generating; Swagger UI still shows them.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let out = path.join(here, "..", "src", "schema.d.ts");
let source = process.env.BASE_URL ?? "http://localhost:5050";
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--out") out = path.resolve(args[++i]);
  else source = args[i];
}

/** Maps whose keys are names chosen by the API (a property may be called `example`), not keywords. */
const NAME_MAPS = new Set(["properties", "patternProperties", "$defs", "schemas", "parameters", "responses",
  "requestBodies", "headers", "securitySchemes", "paths", "content", "encoding", "links", "callbacks", "mapping"]);

/** A copy of `node` without `example`/`examples` keywords (kept where they are a name in a map). */
function withoutExamples(node, parentKey) {
  if (Array.isArray(node)) return node.map((item) => withoutExamples(item, undefined));
  if (node === null || typeof node !== "object") return node;
  const copy = {};
  for (const [key, value] of Object.entries(node)) {
    if (!NAME_MAPS.has(parentKey) && (key === "example" || key === "examples")) continue;
    copy[key] = withoutExamples(value, NAME_MAPS.has(parentKey) ? undefined : key);
  }
  return copy;
}

async function load(from) {
  if (/^https?:\/\//.test(from)) {
    const url = new URL("/api/openapi.json", from.endsWith("/openapi.json") ? from.replace(/\/api\/openapi\.json$/, "/") : from);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return response.json();
  }
  return JSON.parse(fs.readFileSync(from, "utf8"));
}

const document = withoutExamples(await load(source), undefined);
delete document.servers;
const ast = await openapiTS(document, { alphabetize: false });
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, COMMENT_HEADER + astToString(ast));
console.log(`generated ${path.relative(process.cwd(), out)} from ${source}`);
