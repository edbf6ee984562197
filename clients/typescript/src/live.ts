/**
 * Live bidding over Socket.IO (namespace `/auctions`, docs/realtime.md) with typed events.
 *
 * Room frames are typed from the generated `AuctionEvent` union: a frame named `K` carries
 * `EventOf<K>["payload"]` plus `auction_id`, `seq` and `server_time`, exactly what
 * GET /api/auctions/{id}/events and `join_auction`'s `missed` replay as `{type, payload}`.
 * So one handler per event name serves both, and a new event type in the document needs no
 * change here. Only the acknowledgement envelopes (`{ok: true, ...}`) are written by hand:
 * the OpenAPI document does not describe the socket.
 *
 * Resume: the last applied seq of each joined auction is kept; after a reconnect each auction
 * is joined again with `since_seq`, its `missed` entries are applied, and any frame whose seq
 * was already applied is dropped. A frame more than one past the last applied is held briefly
 * (two server processes may publish out of order) and a resync follows if the gap stays.
 * `gap_too_large` (over 500 missed) calls `onResync`: re-read the snapshot.
 */
import { io, type Socket, type ManagerOptions, type SocketOptions } from "socket.io-client";
import type { ApiErrorBody, Schemas } from "./client.js";

export type AuctionEvent = Schemas["AuctionEvent"];
export type AuctionEventType = AuctionEvent["type"];
/** The log entry of type `K`: `{auction_id, seq, type: K, payload, created_at, hash}`. */
export type EventOf<K extends AuctionEventType> = Extract<AuctionEvent, { type: K }>;
/** What the room receives as event `K`: the entry's payload plus where and when. */
export type RoomFrame<K extends AuctionEventType> = EventOf<K>["payload"] & {
  auction_id: number;
  seq: number;
  server_time: string;
};
export type Notification = Schemas["Notification"];

/** An error acknowledgement: the REST Error body with `ok: false`. */
export type AckError = { ok: false } & ApiErrorBody;
export type Ack<T> = ({ ok: true } & T) | AckError;

/** The standing after a bid, as `place_bid` and `set_proxy` answer it. */
export interface AuctionStanding {
  id: number;
  lowest_bid: number | null;
  bid_count: number;
  deadline: string;
}

export interface JoinAuctionRequest {
  auction_id: number;
  since_seq?: number;
}
export interface JoinAuctionAnswer {
  auction: Schemas["AuctionDetail"];
  server_time: string;
  missed?: AuctionEvent[];
  gap_too_large?: boolean;
}
export type PlaceBidRequest = Schemas["BidCreate"] & { auction_id: number; client_bid_id?: string };
export interface PlaceBidAnswer {
  bid: Schemas["Bid"];
  auction: AuctionStanding;
  replayed: boolean;
}
export type SetProxyRequest = Schemas["ProxySet"] & { auction_id: number };
export interface SetProxyAnswer {
  proxy: Schemas["ProxyBid"];
  bid: Schemas["Bid"] | null;
  auction: AuctionStanding;
}

/** Client → server events; each answers through its acknowledgement. */
export interface ClientToServerEvents {
  join_auction(payload: JoinAuctionRequest, ack: (answer: Ack<JoinAuctionAnswer>) => void): void;
  leave_auction(payload: { auction_id: number }, ack: (answer: Ack<object>) => void): void;
  place_bid(payload: PlaceBidRequest, ack: (answer: Ack<PlaceBidAnswer>) => void): void;
  set_proxy(payload: SetProxyRequest, ack: (answer: Ack<SetProxyAnswer>) => void): void;
  cancel_proxy(payload: { auction_id: number }, ack: (answer: Ack<object>) => void): void;
  sync_time(payload: Record<string, never>, ack: (answer: Ack<{ server_time: string }>) => void): void;
}

/**
 * Sent to a socket whose session or token the server ended (logout elsewhere, password change,
 * deactivation) just before it is disconnected; also the `data` of the `connect_error` that
 * refuses a reconnect with the ended cookie session. Do not reconnect: log in again.
 */
export interface SessionEnded {
  error: string;
  code: "SESSION_ENDED";
  details: Record<string, never>;
}

/** Server → client events: one per log event type (room frames), the personal `notification`, `session_ended`. */
export type ServerToClientEvents = {
  [K in AuctionEventType]: (frame: RoomFrame<K>) => void;
} & {
  notification: (notification: Notification) => void;
  session_ended: (ended: SessionEnded) => void;
};

export type AuctionSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** How a frame reached the handler: live from the room, or replayed from `missed`. */
export interface FrameMeta {
  replayed: boolean;
}
export type FrameHandler<K extends AuctionEventType> = (frame: RoomFrame<K>, meta: FrameMeta) => void;

export interface AuctionLiveOptions {
  /** The server, e.g. `http://localhost:5050`; `""` in a same-origin SPA. */
  baseUrl: string;
  /** The bearer token (node, mobile); leave out (or undefined) in a browser with a cookie session. */
  token?: string | undefined;
  /** Send the session cookie (browser with a cookie session, cross-origin). */
  withCredentials?: boolean | undefined;
  /** Milliseconds to wait for an acknowledgement (default 10000). */
  ackTimeoutMs?: number;
  /** Milliseconds to hold a frame that arrived before the one before it (default 1000). */
  reorderWindowMs?: number;
  /** More socket.io-client options (transports, reconnection, ...). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

/** An acknowledgement with `ok: false`, thrown by the AuctionLive methods. */
export class AckFailed extends Error {
  readonly code: AckError["code"];
  readonly details: AckError["details"];

  constructor(answer: AckError) {
    super(`${answer.code}: ${answer.error}`);
    this.name = "AckFailed";
    this.code = answer.code;
    this.details = answer.details;
  }
}

interface Watch {
  lastSeq: number;
  /** Frames that came early, by seq, with their event name. */
  early: Map<number, { type: AuctionEventType; frame: RoomFrame<AuctionEventType> }>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The `/auctions` namespace with typed acks, typed frames and seq-based resume. */
export class AuctionLive {
  readonly socket: AuctionSocket;
  /** Called when an auction must be re-read from its snapshot (`gap_too_large`). */
  onResync: ((auctionId: number, snapshot: Schemas["AuctionDetail"]) => void) | undefined;
  private readonly watches = new Map<number, Watch>();
  private readonly handlers = new Map<string, Set<FrameHandler<AuctionEventType>>>();
  private readonly ackTimeoutMs: number;
  private readonly reorderWindowMs: number;

  constructor(options: AuctionLiveOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.reorderWindowMs = options.reorderWindowMs ?? 1_000;
    const url = `${options.baseUrl.replace(/\/$/, "")}/auctions`;
    this.socket = io(url, {
      ...options.socketOptions,
      ...(options.token !== undefined ? { auth: { token: options.token } } : {}),
      ...(options.withCredentials !== undefined ? { withCredentials: options.withCredentials } : {}),
    });
    // Room frames are recognised by name at run time through onAny, so the list of event
    // types lives only in the generated schema.
    this.socket.onAny((event: string, ...args: unknown[]) => {
      const frame = args[0];
      if (event !== "notification" && isRoomFrame(frame)) {
        this.receive(event as AuctionEventType, frame as RoomFrame<AuctionEventType>);
      }
    });
    // A new connection (automatic reconnect or socket.connect() after a disconnect) is in no
    // room any more: join each watched auction again from its last applied seq.
    this.socket.on("connect", () => {
      for (const [auctionId, watch] of this.watches) {
        void this.rejoin(auctionId, watch.lastSeq);
      }
    });
  }

  /** Resolves once connected; rejects with the server's reason when the handshake is refused. */
  connected(): Promise<void> {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        this.socket.off("connect_error", onError);
        resolve();
      };
      const onError = (error: Error) => {
        this.socket.off("connect", onConnect);
        reject(error);
      };
      this.socket.once("connect", onConnect);
      this.socket.once("connect_error", onError);
    });
  }

  /** Handles room event `type`, live or replayed; returns a function that removes the handler. */
  on<K extends AuctionEventType>(type: K, handler: FrameHandler<K>): () => void {
    const set = this.handlers.get(type) ?? new Set();
    set.add(handler as unknown as FrameHandler<AuctionEventType>);
    this.handlers.set(type, set);
    return () => set.delete(handler as unknown as FrameHandler<AuctionEventType>);
  }

  /** Handles the personal `notification` event (authenticated sockets only). */
  onNotification(handler: (notification: Notification) => void): () => void {
    this.socket.on("notification", handler);
    return () => this.socket.off("notification", handler);
  }

  /** Handles `session_ended`: the server ended this socket's credential and drops it next. */
  onSessionEnded(handler: (ended: SessionEnded) => void): () => void {
    this.socket.on("session_ended", handler);
    return () => this.socket.off("session_ended", handler);
  }

  /** The last seq applied for `auctionId` (undefined when not joined). */
  lastSeq(auctionId: number): number | undefined {
    return this.watches.get(auctionId)?.lastSeq;
  }

  /**
   * Joins the auction's room. With `sinceSeq`, the events after it are replayed to the
   * handlers first (unless `gap_too_large`); without, the snapshot stands for everything
   * up to its `last_seq`.
   */
  async join(auctionId: number, sinceSeq?: number): Promise<JoinAuctionAnswer> {
    const request: JoinAuctionRequest =
      sinceSeq === undefined ? { auction_id: auctionId } : { auction_id: auctionId, since_seq: sinceSeq };
    const answer = ok(await this.socket.timeout(this.ackTimeoutMs).emitWithAck("join_auction", request));
    let watch = this.watches.get(auctionId);
    if (watch === undefined) {
      watch = { lastSeq: sinceSeq ?? answer.auction.last_seq, early: new Map(), timer: undefined };
      this.watches.set(auctionId, watch);
    }
    if (sinceSeq === undefined || answer.gap_too_large === true) {
      watch.lastSeq = Math.max(watch.lastSeq, answer.auction.last_seq);
      if (answer.gap_too_large === true) this.onResync?.(auctionId, answer.auction);
    } else {
      for (const entry of answer.missed ?? []) {
        const frame = { ...entry.payload, auction_id: entry.auction_id, seq: entry.seq, server_time: answer.server_time };
        this.apply(entry.type, frame as RoomFrame<AuctionEventType>, true);
      }
    }
    this.flushEarly(watch);
    return answer;
  }

  /** Leaves the auction's room and forgets its seq. */
  async leave(auctionId: number): Promise<void> {
    ok(await this.socket.timeout(this.ackTimeoutMs).emitWithAck("leave_auction", { auction_id: auctionId }));
    const watch = this.watches.get(auctionId);
    if (watch?.timer !== undefined) clearTimeout(watch.timer);
    this.watches.delete(auctionId);
  }

  /** Places a bid (the same rules and error codes as POST /api/auctions/{id}/bids). */
  async placeBid(request: PlaceBidRequest): Promise<PlaceBidAnswer> {
    return ok(await this.socket.timeout(this.ackTimeoutMs).emitWithAck("place_bid", request));
  }

  /** Sets or moves your proxy bid (as PUT /api/auctions/{id}/proxy). */
  async setProxy(request: SetProxyRequest): Promise<SetProxyAnswer> {
    return ok(await this.socket.timeout(this.ackTimeoutMs).emitWithAck("set_proxy", request));
  }

  /** Cancels your proxy bid; your bids stay. */
  async cancelProxy(auctionId: number): Promise<void> {
    ok(await this.socket.timeout(this.ackTimeoutMs).emitWithAck("cancel_proxy", { auction_id: auctionId }));
  }

  /** The clock offset in ms (server minus device), for countdowns that must not trust the device. */
  async clockOffsetMs(): Promise<number> {
    const sent = Date.now();
    const answer = ok(await this.socket.timeout(this.ackTimeoutMs).emitWithAck("sync_time", {}));
    const received = Date.now();
    return Date.parse(answer.server_time) - (sent + received) / 2;
  }

  close(): void {
    for (const watch of this.watches.values()) if (watch.timer !== undefined) clearTimeout(watch.timer);
    this.socket.close();
  }

  private async rejoin(auctionId: number, sinceSeq: number): Promise<void> {
    try {
      await this.join(auctionId, sinceSeq);
    } catch {
      // The socket retries the connection itself; the next reconnect joins again.
    }
  }

  private receive(type: AuctionEventType, frame: RoomFrame<AuctionEventType>): void {
    const watch = this.watches.get(frame.auction_id);
    if (watch === undefined) return; // left already, or not joined through this wrapper
    if (frame.seq <= watch.lastSeq) return; // seen in `missed` or live already
    if (frame.seq > watch.lastSeq + 1) {
      watch.early.set(frame.seq, { type, frame });
      watch.timer ??= setTimeout(() => {
        watch.timer = undefined;
        if (watch.early.size > 0) void this.rejoin(frame.auction_id, watch.lastSeq);
      }, this.reorderWindowMs);
      return;
    }
    this.apply(type, frame, false);
    this.flushEarly(watch);
  }

  private flushEarly(watch: Watch): void {
    for (const seq of [...watch.early.keys()].sort((a, b) => a - b)) {
      const held = watch.early.get(seq);
      if (held === undefined) continue;
      if (seq <= watch.lastSeq) watch.early.delete(seq);
      else if (seq === watch.lastSeq + 1) {
        watch.early.delete(seq);
        this.apply(held.type, held.frame, false);
      } else break;
    }
    if (watch.early.size === 0 && watch.timer !== undefined) {
      clearTimeout(watch.timer);
      watch.timer = undefined;
    }
  }

  private apply(type: AuctionEventType, frame: RoomFrame<AuctionEventType>, replayed: boolean): void {
    const watch = this.watches.get(frame.auction_id);
    if (watch !== undefined) {
      if (frame.seq <= watch.lastSeq) return;
      watch.lastSeq = frame.seq;
    }
    for (const handler of this.handlers.get(type) ?? []) handler(frame, { replayed });
  }
}

/** Whether a socket event's body looks like a room frame (every one has auction_id and seq). */
function isRoomFrame(body: unknown): body is { auction_id: number; seq: number } {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { auction_id?: unknown }).auction_id === "number" &&
    typeof (body as { seq?: unknown }).seq === "number"
  );
}

/** The answer of a successful ack, or a thrown AckFailed. */
function ok<T>(answer: Ack<T>): { ok: true } & T {
  if (answer.ok) return answer;
  throw new AckFailed(answer);
}
