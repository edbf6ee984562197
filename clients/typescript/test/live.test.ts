/**
 * AuctionLive's seq bookkeeping, offline: no server, the socket never connects. Acks and
 * room frames are fed through socket.io-client's own packet entry points (`onpacket`,
 * `emitEvent`; internal, but the version is pinned), so the wrapper's real listeners run.
 *
 *     npx tsx --test test/live.test.ts
 */
import { strict as assert } from "node:assert";
import { test } from "node:test";
import { AuctionLive, type AuctionEventType, type JoinAuctionRequest } from "../src/live.js";

const AUCTION = 7;

interface Internals {
  sendBuffer: { id?: number; data: unknown[] }[];
  onpacket(packet: { type: number; nsp: string; id?: number; data: unknown[] }): void;
  emitEvent(args: unknown[]): void;
}

function offline(): { live: AuctionLive; socket: Internals } {
  const live = new AuctionLive({
    baseUrl: "http://127.0.0.1:9",
    reorderWindowMs: 50,
    ackTimeoutMs: 2000,
    socketOptions: { autoConnect: false },
  });
  return { live, socket: live.socket as unknown as Internals };
}

/** Answers the buffered `join_auction` emit; returns the request it carried. */
function answerJoin(socket: Internals, lastSeq: number, missed: unknown[] = [], gapTooLarge = false): JoinAuctionRequest {
  const packet = socket.sendBuffer.find((p) => p.data[0] === "join_auction");
  assert.ok(packet?.id !== undefined, "a join_auction emit is waiting");
  socket.sendBuffer.splice(socket.sendBuffer.indexOf(packet), 1);
  const answer = {
    ok: true,
    server_time: "2026-11-27T12:00:00.000Z",
    auction: { id: AUCTION, last_seq: lastSeq },
    missed,
    gap_too_large: gapTooLarge,
  };
  socket.onpacket({ type: 3, nsp: "/auctions", id: packet.id, data: [answer] });
  return packet.data[1] as JoinAuctionRequest;
}

function bidFrame(seq: number): Record<string, unknown> {
  return { auction_id: AUCTION, seq, server_time: "2026-11-27T12:00:00.000Z", lowest_bid: 2000 - seq, bid_count: seq };
}

function bidEntry(seq: number): Record<string, unknown> {
  return { auction_id: AUCTION, seq, type: "bid_placed", payload: { lowest_bid: 2000 - seq, bid_count: seq }, created_at: "x", hash: "h" };
}

function collect(live: AuctionLive, type: AuctionEventType = "bid_placed"): { seq: number; replayed: boolean }[] {
  const seen: { seq: number; replayed: boolean }[] = [];
  live.on(type, (frame, meta) => seen.push({ seq: frame.seq, replayed: meta.replayed }));
  return seen;
}

async function joined(live: AuctionLive, socket: Internals, lastSeq: number): Promise<void> {
  const pending = live.join(AUCTION);
  answerJoin(socket, lastSeq);
  await pending;
}

test("frames up to the snapshot's last_seq are dropped, later ones applied once", async () => {
  const { live, socket } = offline();
  const seen = collect(live);
  await joined(live, socket, 3);
  for (const seq of [2, 3, 4, 4, 5]) socket.emitEvent(["bid_placed", bidFrame(seq)]);
  assert.deepEqual(seen.map((s) => s.seq), [4, 5]);
  assert.equal(live.lastSeq(AUCTION), 5);
  live.close();
});

test("a frame that arrives early is held and applied after the one before it", async () => {
  const { live, socket } = offline();
  const seen = collect(live);
  await joined(live, socket, 3);
  socket.emitEvent(["bid_placed", bidFrame(5)]);
  assert.equal(seen.length, 0);
  socket.emitEvent(["bid_placed", bidFrame(4)]);
  assert.deepEqual(seen.map((s) => s.seq), [4, 5]);
  live.close();
});

test("a gap that stays resyncs with since_seq and applies missed as replayed", async () => {
  const { live, socket } = offline();
  const seen = collect(live);
  await joined(live, socket, 3);
  socket.emitEvent(["bid_placed", bidFrame(6)]);
  await new Promise((resolve) => setTimeout(resolve, 120)); // past reorderWindowMs
  const request = answerJoin(socket, 6, [bidEntry(4), bidEntry(5), bidEntry(6)]);
  assert.deepEqual(request, { auction_id: AUCTION, since_seq: 3 });
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(seen, [
    { seq: 4, replayed: true },
    { seq: 5, replayed: true },
    { seq: 6, replayed: true },
  ]);
  live.close();
});

test("a reconnect joins again from the last applied seq", async () => {
  const { live, socket } = offline();
  collect(live);
  await joined(live, socket, 3);
  socket.emitEvent(["bid_placed", bidFrame(4)]);
  socket.emitEvent(["connect"]);
  const request = socket.sendBuffer.find((p) => p.data[0] === "join_auction")?.data[1];
  assert.deepEqual(request, { auction_id: AUCTION, since_seq: 4 });
  live.close();
});

test("gap_too_large hands the snapshot to onResync and moves to its last_seq", async () => {
  const { live, socket } = offline();
  const seen = collect(live);
  await joined(live, socket, 3);
  const snapshots: number[] = [];
  live.onResync = (_id, snapshot) => snapshots.push(snapshot.last_seq);
  const pending = live.join(AUCTION, 3);
  answerJoin(socket, 900, [], true);
  await pending;
  assert.deepEqual(snapshots, [900]);
  assert.equal(live.lastSeq(AUCTION), 900);
  socket.emitEvent(["bid_placed", bidFrame(900)]);
  socket.emitEvent(["bid_placed", bidFrame(901)]);
  assert.deepEqual(seen.map((s) => s.seq), [901]);
  live.close();
});
