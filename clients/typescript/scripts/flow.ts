/**
 * Drives the whole Bid Bazaar flow through the typed client against a live server, asserting
 * every step; exits non-zero on the first failure.
 *
 *     npx tsx scripts/flow.ts http://127.0.0.1:5050      (or BASE_URL=... npm run flow)
 *
 * Register a customer and two providers, log in, post a job, list it with filters, bid over
 * REST and over the socket (and see the other side's bid arrive live), resume a dropped
 * socket with since_seq, read the detail as three viewers, notifications, the audit log
 * against the live frames, award, and log out (the token is then refused).
 */
import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import {
  BidBazaarError,
  createBidBazaarClient,
  unwrap,
  type BidBazaarClient,
  type Schemas,
} from "../src/client.js";
import { AckFailed, AuctionLive, type AuctionEventType, type Notification, type RoomFrame } from "../src/live.js";

const baseUrl = (process.argv[2] ?? process.env.BASE_URL ?? "http://localhost:5050").replace(/\/$/, "");
const started = Date.now();
let stepNumber = 0;

/** Runs one named step and prints it; a failure ends the flow. */
async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
  stepNumber += 1;
  const t0 = Date.now();
  const result = await body();
  console.log(`ok ${String(stepNumber).padStart(2)} ${name} (${Date.now() - t0} ms)`);
  return result;
}

/** Waits until `check` holds (live frames arrive asynchronously). */
async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

type Bid = Schemas["Bid"];
/** Whether the viewer sees who placed `bid` (the full view has a username). */
function namesBidder(bid: Bid): boolean {
  return "username" in bid;
}

/** Frames one AuctionLive received for an auction, in the order its handlers saw them. */
interface Seen {
  type: AuctionEventType;
  seq: number;
  replayed: boolean;
  frame: RoomFrame<AuctionEventType>;
}

/** Records every frame of the given types into `into`. */
function record(live: AuctionLive, types: AuctionEventType[], into: Seen[]): void {
  for (const type of types) {
    live.on(type, (frame, meta) => {
      into.push({ type, seq: frame.seq, replayed: meta.replayed, frame: frame as RoomFrame<AuctionEventType> });
    });
  }
}

async function main(): Promise<void> {
  console.log(`Bid Bazaar TypeScript flow against ${baseUrl}`);
  const suffix = randomUUID().slice(0, 8);
  const password = `flow-pass-${suffix}`;
  const names = { customer: `cust_${suffix}`, p1: `prov1_${suffix}`, p2: `prov2_${suffix}` };
  const anonymous = createBidBazaarClient({ baseUrl });
  const customer = createBidBazaarClient({ baseUrl });
  const p1 = createBidBazaarClient({ baseUrl });
  const p2 = createBidBazaarClient({ baseUrl });
  const sockets: AuctionLive[] = [];

  try {
    await step("the server is healthy", async () => {
      const health = unwrap(await anonymous.api.GET("/api/health"));
      assert.equal(health.status, "ok");
    });

    await step("register a customer and two providers", async () => {
      for (const [username, provider] of [
        [names.customer, false],
        [names.p1, true],
        [names.p2, true],
      ] as const) {
        const answer = unwrap(
          await anonymous.api.POST("/api/auth/register", {
            body: { username, email: `${username}@example.com`, password, is_service_provider: provider },
          }),
        );
        assert.equal(answer.user.username, username);
        assert.equal(answer.user.is_service_provider, provider);
      }
    });

    await step("a taken username is a typed 409 USERNAME_TAKEN error", async () => {
      const result = await anonymous.api.POST("/api/auth/register", {
        body: { username: names.customer, email: `other_${suffix}@example.com`, password },
      });
      assert.equal(result.response.status, 409);
      assert.throws(() => unwrap(result), (error: unknown) => error instanceof BidBazaarError && error.code === "USERNAME_TAKEN");
    });

    await step("all three log in and get bearer tokens", async () => {
      for (const [client, username] of [
        [customer, names.customer],
        [p1, names.p1],
        [p2, names.p2],
      ] as const) {
        const answer = await client.login(username, password);
        assert.equal(answer.token_type, "Bearer");
        assert.ok(client.token !== undefined && client.token.length > 0);
        const profile = unwrap(await client.api.GET("/api/users/profile"));
        assert.equal(profile.user.username, username);
      }
    });

    const plumbing = await step("flat categories list Plumbing", async () => {
      // A boolean flag compiles as a boolean (issue 17: it was typed "" | "true" | "false").
      const { categories } = unwrap(await anonymous.api.GET("/api/categories", { params: { query: { flat: true } } }));
      const found = categories.find((category) => category.name === "Plumbing");
      assert.ok(found, "Plumbing is a category");
      assert.ok(!("children" in found), "a flat list has no children");
      return found.id;
    });

    const title = `Fix kitchen sink leak ${suffix}`;
    const auction = await step("the customer posts a job closing in two days", async () => {
      const deadline = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString();
      const { auction } = unwrap(
        await customer.api.POST("/api/auctions", {
          body: {
            title,
            description: "Kitchen sink leaks under the cabinet; need a plumber this week.",
            category_id: plumbing,
            location: "Andheri West, Mumbai",
            budget_min: 1000,
            budget_max: 2000,
            deadline,
          },
        }),
      );
      assert.equal(auction.status, "active");
      assert.equal(auction.category_id, plumbing);
      assert.equal(auction.is_mine, true);
      return auction;
    });

    await step("list with filters: category, q, sort, order; and mine", async () => {
      const { auctions } = unwrap(
        await anonymous.api.GET("/api/auctions", {
          params: { query: { category: plumbing, q: suffix, status: "active", sort: "deadline", order: "asc" } },
        }),
      );
      assert.deepEqual(
        auctions.map((a) => a.id),
        [auction.id],
      );
      const own = unwrap(await customer.api.GET("/api/auctions", { params: { query: { mine: true } } }));
      assert.ok(own.auctions.some((a) => a.id === auction.id));
      const none = unwrap(await anonymous.api.GET("/api/auctions", { params: { query: { q: `nothing-${suffix}` } } }));
      assert.equal(none.auctions.length, 0);
    });

    const watcherFrames: Seen[] = [];
    const p1Frames: Seen[] = [];
    const p2Notifications: Notification[] = [];
    const watcher = new AuctionLive({ baseUrl, socketOptions: { transports: ["websocket"] } });
    const p1Live = new AuctionLive({ baseUrl, token: p1.token, socketOptions: { transports: ["websocket"] } });
    const p2Live = new AuctionLive({ baseUrl, token: p2.token, socketOptions: { transports: ["websocket"] } });
    sockets.push(watcher, p1Live, p2Live);
    const roomTypes: AuctionEventType[] = ["bid_placed", "auction_awarded", "auction_closed", "booking_offered"];
    record(watcher, roomTypes, watcherFrames);
    record(p1Live, roomTypes, p1Frames);
    p2Live.onNotification((notification) => p2Notifications.push(notification));

    const seqAtJoin = await step("an anonymous watcher and both providers join the room over the socket", async () => {
      await Promise.all(sockets.map((live) => live.connected()));
      for (const live of sockets) {
        const joined = await live.join(auction.id);
        assert.equal(joined.auction.id, auction.id);
        assert.equal(joined.auction.bid_count, 0);
        assert.equal(live.lastSeq(auction.id), joined.auction.last_seq);
      }
      const offset = await watcher.clockOffsetMs();
      assert.ok(Math.abs(offset) < 60_000, `clock offset ${offset} ms`);
      return watcher.lastSeq(auction.id) ?? 0;
    });

    const restBid = await step("provider 2 bids 1500 over REST; provider 1 sees it live as bid_placed", async () => {
      const { bid } = unwrap(
        await p2.api.POST("/api/auctions/{auction_id}/bids", {
          params: { path: { auction_id: auction.id }, header: { "Idempotency-Key": `rest-${suffix}` } },
          body: { amount: 1500, description: "Replace the trap and reseal, parts included", estimated_duration: "2 hours" },
        }),
      );
      assert.equal(bid.amount, 1500);
      await until("bid_placed on provider 1's socket", () => p1Frames.some((f) => f.type === "bid_placed"));
      const frame = p1Frames.find((f) => f.type === "bid_placed")?.frame as RoomFrame<"bid_placed">;
      assert.equal(frame.auction_id, auction.id);
      assert.equal(frame.bid.id, bid.id);
      assert.equal(frame.lowest_bid, 1500);
      assert.equal(frame.bid_count, 1);
      assert.equal(frame.bid.is_mine, false);
      assert.ok(!namesBidder(frame.bid), "room frames never name the bidder");
      assert.equal(frame.seq, seqAtJoin + 1, "the bid is the next event after the snapshot");
      assert.equal(p1Live.lastSeq(auction.id), frame.seq);
      return bid;
    });

    const socketBid = await step("provider 1 undercuts to 1400 over the socket (place_bid ack)", async () => {
      const answer = await p1Live.placeBid({
        auction_id: auction.id,
        amount: 1400,
        description: "Same day fix, new washer and trap",
        client_bid_id: `sock-${suffix}`,
      });
      assert.equal(answer.replayed, false);
      assert.equal(answer.bid.amount, 1400);
      assert.equal(answer.bid.is_mine, true);
      assert.equal(answer.auction.lowest_bid, 1400);
      assert.equal(answer.auction.bid_count, 2);
      const again = await p1Live.placeBid({
        auction_id: auction.id,
        amount: 1400,
        description: "Same day fix, new washer and trap",
        client_bid_id: `sock-${suffix}`,
      });
      assert.equal(again.replayed, true, "a resend with the same client_bid_id is a replay");
      assert.equal(again.bid.id, answer.bid.id);
      await until("both bids on the watcher's socket", () => watcherFrames.filter((f) => f.type === "bid_placed").length === 2);
      const seqs = watcherFrames.map((f) => f.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "frames arrive in seq order");
      return answer.bid;
    });

    await step("a refused socket bid answers a typed error ack (BID_TOO_HIGH)", async () => {
      await assert.rejects(
        p2Live.placeBid({ auction_id: auction.id, amount: 1450, description: "Too high now" }),
        (error: unknown) => error instanceof AckFailed && error.code === "BID_TOO_HIGH",
      );
    });

    await step("provider 2 gets an outbid notification on its socket", async () => {
      await until("outbid notification", () => p2Notifications.some((n) => n.type === "outbid"));
      const outbid = p2Notifications.find((n) => n.type === "outbid");
      assert.equal(outbid?.auction_id, auction.id);
      assert.equal(outbid?.read, false);
    });

    await step("a dropped watcher resumes with since_seq: the missed bid is replayed, nothing twice", async () => {
      const before = watcher.lastSeq(auction.id) ?? 0;
      watcher.socket.disconnect();
      const { bid } = unwrap(
        await p2.api.POST("/api/auctions/{auction_id}/bids", {
          params: { path: { auction_id: auction.id } },
          body: { amount: 1300, description: "Replace the trap and reseal, parts included" },
        }),
      );
      watcher.socket.connect();
      await until("the missed bid replayed", () => watcherFrames.some((f) => f.type === "bid_placed" && f.frame.seq > before));
      const replayed = watcherFrames.filter((f) => f.seq > before);
      assert.equal(replayed.length, 1);
      assert.equal(replayed[0]?.replayed, true);
      assert.equal((replayed[0]?.frame as RoomFrame<"bid_placed">).bid.id, bid.id);
      const seqs = watcherFrames.map((f) => f.seq);
      assert.equal(new Set(seqs).size, seqs.length, "no seq applied twice");
    });

    await step("detail as three viewers: anonymous, the customer, a provider", async () => {
      const get = (client: BidBazaarClient) =>
        client.api.GET("/api/auctions/{auction_id}", { params: { path: { auction_id: auction.id } } });
      const asAnonymous = unwrap(await get(anonymous)).auction;
      const asCustomer = unwrap(await get(customer)).auction;
      const asP1 = unwrap(await get(p1)).auction;
      for (const view of [asAnonymous, asCustomer, asP1]) {
        assert.equal(view.bid_count, 3);
        assert.equal(view.lowest_bid, 1300);
      }
      assert.ok(asAnonymous.bids.every((bid) => !namesBidder(bid) && /^Bidder \d+$/.test(bid.bidder)), "anonymous sees pseudonyms");
      assert.ok(asAnonymous.bids.every((bid) => !bid.is_mine));
      assert.equal(asCustomer.is_mine, true);
      assert.ok(asCustomer.bids.every(namesBidder), "the creator sees every bid in full");
      assert.ok(
        asCustomer.bids.some((bid) => "username" in bid && bid.username === names.p2),
        "the creator sees usernames",
      );
      const own = asP1.bids.filter((bid) => bid.is_mine);
      assert.deepEqual(
        own.map((bid) => bid.id),
        [socketBid.id],
      );
      assert.ok(own.every(namesBidder), "a provider sees its own bid in full");
      assert.ok(asP1.bids.filter((bid) => !bid.is_mine).every((bid) => !namesBidder(bid)), "but not the others'");
      assert.equal(asP1.is_mine, false);
    });

    await step("notifications: the customer lists new_bid, marks one read, then all", async () => {
      const listed = unwrap(await customer.api.GET("/api/notifications", { params: { query: { unread_only: true } } }));
      const newBids = listed.notifications.filter((n) => n.type === "new_bid" && n.auction_id === auction.id);
      assert.equal(newBids.length, 3);
      assert.equal(listed.unread_count, listed.notifications.length);
      const first = newBids[0];
      assert.ok(first);
      unwrap(await customer.api.POST("/api/notifications/read", { body: { ids: [first.id] } }));
      const after = unwrap(await customer.api.GET("/api/notifications"));
      assert.equal(after.unread_count, listed.unread_count - 1);
      assert.equal(after.notifications.find((n) => n.id === first.id)?.read, true);
      unwrap(await customer.api.POST("/api/notifications/read", { body: { all: true } }));
      assert.equal(unwrap(await customer.api.GET("/api/notifications")).unread_count, 0);
    });

    await step("the customer awards provider 2's bid; the room sees auction_awarded", async () => {
      const lowest = unwrap(
        await customer.api.GET("/api/auctions/{auction_id}", { params: { path: { auction_id: auction.id } } }),
      ).auction.bids.find((bid) => bid.amount === 1300);
      assert.ok(lowest);
      const awarded = unwrap(
        await customer.api.POST("/api/auctions/{auction_id}/award", {
          params: { path: { auction_id: auction.id } },
          body: { bid_id: lowest.id },
        }),
      );
      assert.equal(awarded.auction.status, "completed");
      await until("auction_awarded live", () => watcherFrames.some((f) => f.type === "auction_awarded"));
      const frame = watcherFrames.find((f) => f.type === "auction_awarded")?.frame as RoomFrame<"auction_awarded">;
      assert.equal(frame.status, "completed");
      assert.equal(frame.winning_bid?.id, lowest.id);
      assert.ok(!watcherFrames.some((f) => f.type === "auction_closed"), "an award is not sent as auction_closed");
    });

    await step("the audit log replays the live frames: same seq, same type, same payload", async () => {
      await until("booking_offered live", () => watcherFrames.some((f) => f.type === "booking_offered"));
      const { events } = unwrap(
        await anonymous.api.GET("/api/auctions/{auction_id}/events", {
          params: { path: { auction_id: auction.id }, query: { per_page: 100 } },
        }),
      );
      const bySeq = new Map(events.map((event) => [event.seq, event]));
      for (const seen of watcherFrames) {
        const entry = bySeq.get(seen.seq);
        assert.ok(entry, `seq ${seen.seq} is in the log`);
        assert.equal(entry.type, seen.type, `seq ${seen.seq}`);
        const { auction_id: _a, seq: _s, server_time: _t, ...payload } = seen.frame;
        assert.deepEqual(payload, entry.payload, `seq ${seen.seq} (${seen.type}) payload`);
      }
      const verified = unwrap(
        await anonymous.api.GET("/api/auctions/{auction_id}/events/verify", { params: { path: { auction_id: auction.id } } }),
      );
      assert.equal(verified.valid, true);
      assert.ok(restBid.id > 0);
    });

    await step("provider 1 logs out: its token is refused with 401", async () => {
      const oldToken = p1.token;
      await p1.logout();
      assert.equal(p1.token, undefined);
      const stale = createBidBazaarClient({ baseUrl, token: oldToken });
      const result = await stale.api.GET("/api/users/profile");
      assert.equal(result.response.status, 401);
      assert.throws(() => unwrap(result), (error: unknown) => error instanceof BidBazaarError && error.status === 401);
    });

    await step("browser mode: cookie session with CSRF on unsafe requests", async () => {
      const jarFetch = cookieJarFetch();
      const browser = createBidBazaarClient({ baseUrl, mode: "browser", fetch: jarFetch });
      const answer = await browser.login(names.customer, password);
      assert.ok(answer.csrf_token.length > 0);
      assert.equal(browser.token, undefined, "browser mode keeps no bearer token");
      unwrap(await browser.api.GET("/api/users/profile"));
      // The same session without the header is refused: the header below comes from the middleware.
      const bare = await jarFetch(
        new Request(`${baseUrl}/api/notifications/read`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ all: true }),
        }),
      );
      assert.equal(bare.status, 403);
      assert.equal(((await bare.json()) as { code?: string }).code, "CSRF_FAILED");
      unwrap(await browser.api.POST("/api/notifications/read", { body: { all: true } }));
      await browser.logout();
      assert.equal((await browser.api.GET("/api/users/profile")).response.status, 401);
    });
  } finally {
    for (const live of sockets) live.close();
  }
  console.log(`flow passed: ${stepNumber} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * A fetch with a cookie jar, standing in for a browser's in node (which keeps no cookies):
 * it stores Set-Cookie answers and sends them back, so browser mode can be exercised here.
 */
function cookieJarFetch(): (input: Request) => Promise<Response> {
  const jar = new Map<string, string>();
  return async (input) => {
    const headers = new Headers(input.headers);
    if (jar.size > 0) headers.set("Cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await fetch(new Request(input, { headers }));
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) {
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (value === "" || /max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) jar.delete(name);
        else jar.set(name, value);
      }
    }
    return response;
  };
}

main().catch((error: unknown) => {
  console.error(`FAILED at step ${stepNumber + 1}:`, error);
  process.exit(1);
});
