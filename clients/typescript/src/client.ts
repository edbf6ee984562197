/**
 * A small typed REST client for Bid Bazaar on openapi-fetch.
 *
 * Every path, parameter, body and response type comes from `schema.d.ts`, which
 * openapi-typescript generates from the server's /api/openapi.json (`npm run generate`);
 * nothing here restates the API by hand.
 *
 * Two ways to authenticate, as the server offers:
 *  - bearer (node, mobile, scripts): `Authorization: Bearer <access_token>`, no CSRF;
 *  - browser: the `session` cookie (`credentials: "include"`), and an `X-CSRFToken` header on
 *    every unsafe request, taken from the login answer or fetched from GET /api/auth/csrf.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";

/** Every named schema of the document, e.g. `Schemas["AuctionDetail"]`. */
export type Schemas = components["schemas"];
/** The body of every 4xx/5xx answer: `{error, code, details}`. */
export type ApiErrorBody = Schemas["Error"];
export type ErrorCode = Schemas["ErrorCode"];
export type LoginAnswer = paths["/api/auth/login"]["post"]["responses"][200]["content"]["application/json"];

/** Methods the server checks the CSRF token on (with a cookie session). */
const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** An answer with an error status, with the server's error body when it sent one. */
export class BidBazaarError extends Error {
  readonly status: number;
  readonly code: ErrorCode | undefined;
  readonly details: ApiErrorBody["details"] | undefined;
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const parsed = isErrorBody(body) ? body : undefined;
    super(parsed ? `${status} ${parsed.code}: ${parsed.error}` : `HTTP ${status}`);
    this.name = "BidBazaarError";
    this.status = status;
    this.code = parsed?.code;
    this.details = parsed?.details;
    this.body = body;
  }
}

/** Whether `body` has the shape of the API's Error schema. */
export function isErrorBody(body: unknown): body is ApiErrorBody {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { error?: unknown }).error === "string" &&
    typeof (body as { code?: unknown }).code === "string"
  );
}

/** What openapi-fetch answers for every call. */
export interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a successful call, or a thrown BidBazaarError for an error status.
 *
 *     const { auction } = unwrap(await bb.api.GET("/api/auctions/{auction_id}", { params: { path: { auction_id: 7 } } }));
 */
export function unwrap<T>(result: FetchResult<T>): T {
  if (!result.response.ok || result.data === undefined) {
    throw new BidBazaarError(result.response.status, result.error);
  }
  return result.data;
}

export interface BidBazaarClientOptions {
  /** The server, e.g. `http://localhost:5050`; `""` in a same-origin SPA. */
  baseUrl: string;
  /** A bearer token from an earlier login (bearer mode); `undefined` is the same as leaving it out. */
  token?: string | undefined;
  /** `"browser"`: cookie session with CSRF; `"bearer"` (default): Authorization header. */
  mode?: "bearer" | "browser";
  /** A fetch to use instead of the global one (tests, a cookie jar in node). */
  fetch?: (input: Request) => Promise<Response>;
}

export interface BidBazaarClient {
  /** The typed openapi-fetch client: `api.GET("/api/auctions", {params: {query: {...}}})`. */
  readonly api: Client<paths>;
  readonly mode: "bearer" | "browser";
  /** The bearer token in use (bearer mode), set by `login`. */
  readonly token: string | undefined;
  setToken(token: string | undefined): void;
  /** Logs in; keeps the access_token (bearer) or the session's CSRF token (browser). */
  login(username: string, password: string): Promise<LoginAnswer>;
  /** Logs out and forgets the token: the server revokes it (later use is 401). */
  logout(): Promise<void>;
}

/** A Bid Bazaar client for `options.baseUrl`; see BidBazaarClientOptions for the two modes. */
export function createBidBazaarClient(options: BidBazaarClientOptions): BidBazaarClient {
  const mode = options.mode ?? "bearer";
  let token = options.token;
  let csrfToken: string | undefined;
  const api = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ""),
    ...(mode === "browser" ? { credentials: "include" as const } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  /** The session's CSRF token, fetched once per session (login replaces it). */
  async function currentCsrfToken(): Promise<string> {
    if (csrfToken === undefined) {
      const answer = unwrap(await api.GET("/api/auth/csrf"));
      csrfToken = answer.csrf_token;
    }
    return csrfToken;
  }

  const auth: Middleware = {
    async onRequest({ request, schemaPath }) {
      if (mode === "bearer") {
        if (token !== undefined) request.headers.set("Authorization", `Bearer ${token}`);
      } else if (UNSAFE_METHODS.has(request.method) && schemaPath !== "/api/auth/login") {
        request.headers.set("X-CSRFToken", await currentCsrfToken());
      }
      return request;
    },
  };
  api.use(auth);

  return {
    api,
    mode,
    get token() {
      return token;
    },
    setToken(value) {
      token = value;
    },
    async login(username, password) {
      const answer = unwrap(await api.POST("/api/auth/login", { body: { username, password } }));
      if (mode === "bearer") token = answer.access_token;
      else csrfToken = answer.csrf_token; // a new session: the old token no longer matches
      return answer;
    },
    async logout() {
      unwrap(await api.POST("/api/auth/logout"));
      token = undefined;
      csrfToken = undefined;
    },
  };
}
