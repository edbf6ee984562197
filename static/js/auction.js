/* The auction page, live: the bid list, lowest bid, bid count, deadline and status follow the
 * auction's room over Socket.IO (see docs/realtime.md) without a reload. The countdown reads
 * the server's clock estimated by live.js, never the device clock alone.
 *
 * Events carry the auction's log seq: a (re)join sends the last seq this page has seen and
 * applies what it missed, and any seq already seen is dropped.
 *
 * A provider's page also keeps its standing ("You hold the lowest bid", "You were outbid",
 * "You won") and its limit ("Enter ₹1,749 or less") current. The page knows the provider's
 * own pseudonym on this auction (data-my-bidder), never anyone else's identity; the join
 * snapshot (queries.bidder_standing) is the server's word and overrides the local guess.
 */
(function () {
  "use strict";

  var root = document.getElementById("auction-live");
  var BB = window.BidBazaar || {};
  if (!root || !BB.serverNow) return;

  var auctionId = Number(root.getAttribute("data-auction-id"));
  var lastSeq = Number(root.getAttribute("data-last-seq")) || 0;
  var deadline = Date.parse(root.getAttribute("data-deadline"));
  var status = root.getAttribute("data-status");
  var isCreator = root.hasAttribute("data-creator");
  var canBid = root.hasAttribute("data-can-bid");
  var myBidder = root.getAttribute("data-my-bidder") || "";
  var budgetMaxCents = cents(root.getAttribute("data-budget-max"));
  var decrementCents = cents(root.getAttribute("data-min-decrement"));
  var STANDING_WORDS = { leading: "You hold the lowest bid", outbid: "You were outbid", won: "You won" };

  var el = {
    lowest: document.getElementById("lowest-bid"),
    count: document.getElementById("bid-count"),
    countdown: document.getElementById("countdown"),
    deadlineText: document.getElementById("deadline-text"),
    list: document.getElementById("bid-list"),
    noBids: document.getElementById("no-bids"),
    closed: document.getElementById("closed-notice"),
    closedStatus: document.getElementById("closed-status"),
    statusPill: document.getElementById("auction-status"),
    bidPanel: document.getElementById("bid-panel"),
    manage: document.getElementById("manage-actions"),
    liveState: document.getElementById("live-state"),
    awardTemplate: document.getElementById("award-template"),
    deadlineLabel: document.getElementById("deadline-label"),
    closedWinner: document.getElementById("closed-winner"),
    standing: document.getElementById("my-standing"),
    bidForm: document.getElementById("bid-form"),
    lowestHeld: document.getElementById("lowest-held"),
    amount: document.getElementById("amount"),
    amountHint: document.getElementById("amount-hint"),
  };

  function cents(value) {
    return value === null || value === undefined || value === "" ? null : Math.round(Number(value) * 100);
  }

  // ---- countdown --------------------------------------------------------------------------
  function tick() {
    if (status !== "active") {
      el.countdown.textContent = "Closed";
      return;
    }
    var left = (deadline - BB.serverNow()) / 1000;
    el.countdown.textContent = left > 0 ? BB.formatDuration(left) : "Closing…";
  }
  tick();
  window.setInterval(tick, 1000);

  function setDeadline(iso) {
    var parsed = Date.parse(iso);
    if (isNaN(parsed)) return;
    deadline = parsed;
    root.setAttribute("data-deadline", iso);
    el.deadlineText.textContent = BB.formatIst(iso, true);
    tick();
  }

  // ---- summary and rows -------------------------------------------------------------------
  function flash(node) {
    node.classList.remove("flash-update");
    void node.offsetWidth;
    node.classList.add("flash-update");
  }

  function setSummary(lowest, count) {
    if (lowest !== undefined) {
      var text = lowest === null ? "No bids yet" : BB.formatInr(lowest);
      if (el.lowest.textContent !== text) {
        el.lowest.textContent = text;
        flash(el.lowest);
      }
    }
    if (count !== undefined) el.count.textContent = String(count);
  }

  function span(className, text) {
    var node = document.createElement("span");
    node.className = className;
    node.textContent = text;
    return node;
  }

  function setRowStatus(row, value) {
    row.setAttribute("data-status", value);
    var pill = row.querySelector(".bid-status");
    if (pill) {
      pill.textContent = value;
      pill.className = "pill pill-" + value + " bid-status";
    }
    if (value !== "active") {
      var actions = row.querySelector(".bid-actions");
      if (actions) actions.remove();
    }
  }

  // As templates/auction.html renders it: the text, then "· 3 hours" when estimated.
  function description(bid) {
    var text = document.createElement("p");
    text.className = "bid-description";
    text.textContent = bid.description;
    if (bid.estimated_duration) {
      text.appendChild(document.createTextNode(" "));
      text.appendChild(span("meta", "· " + bid.estimated_duration));
    }
    return text;
  }

  function addBid(bid) {
    if (!bid || el.list.querySelector('[data-bid-id="' + bid.id + '"]')) return;
    var row = document.createElement("li");
    row.className = "bid is-new";
    row.setAttribute("data-bid-id", String(bid.id));
    row.setAttribute("data-status", bid.status);
    row.setAttribute("data-amount", String(bid.amount));
    row.setAttribute("data-bidder", bid.bidder);
    var main = document.createElement("div");
    main.className = "bid-main";
    main.appendChild(span("bid-amount", BB.formatInr(bid.amount)));
    var who = span("bid-who", bid.bidder + (bid.username ? " · " + bid.username : ""));
    if (myBidder && bid.bidder === myBidder) {
      var you = document.createElement("strong");
      you.textContent = "(you)";
      who.appendChild(document.createTextNode(" "));
      who.appendChild(you);
    }
    main.appendChild(who);
    main.appendChild(span("pill pill-" + bid.status + " bid-status", bid.status));
    if (bid.auto) main.appendChild(span("pill pill-auto bid-auto", "auto")); // placed by a proxy floor
    var time = document.createElement("time");
    time.className = "bid-time";
    time.setAttribute("datetime", bid.created_at);
    // The server's "%d %b, %H:%M:%S IST" (templates/auction.html): no year, IST said.
    time.textContent = BB.formatIst(bid.created_at, true).replace(/ \d{4},/, ",");
    main.appendChild(time);
    row.appendChild(main);
    if (bid.description) row.appendChild(description(bid));
    if (isCreator && bid.status === "active" && el.awardTemplate) {
      var actions = document.createElement("div");
      actions.className = "bid-actions";
      actions.appendChild(el.awardTemplate.content.cloneNode(true));
      actions.querySelector('input[name="bid_id"]').value = String(bid.id);
      row.appendChild(actions);
    }
    el.list.insertBefore(row, el.list.firstChild);
    el.noBids.hidden = true;
  }

  // The creator's full view of a new bid travels in its personal room (new_bid).
  BB.onNotification = function (note) {
    if (!isCreator || !note || note.type !== "new_bid" || note.auction_id !== auctionId) return;
    var bid = note.data && note.data.bid;
    var row = bid && el.list.querySelector('[data-bid-id="' + bid.id + '"]');
    if (!row) return;
    row.querySelector(".bid-who").textContent = bid.bidder + " · " + bid.username;
    if (bid.description && !row.querySelector(".bid-description")) {
      row.insertBefore(description(bid), row.querySelector(".bid-actions"));
    }
  };

  // ---- the provider's standing and limit -------------------------------------------------
  function setStanding(value) {
    if (!el.standing) return;
    el.standing.setAttribute("data-standing", value || "");
    el.standing.textContent = STANDING_WORDS[value] || "";
    el.standing.hidden = !STANDING_WORDS[value];
    if (el.bidForm) el.bidForm.hidden = value === "leading"; // nobody undercuts themself
    if (el.lowestHeld) el.lowestHeld.hidden = value !== "leading";
  }

  // The standing as the rows show it: the lowest active bid is the viewer's, or the viewer
  // has an active bid below someone else's, or neither.
  function standingFromRows() {
    var lowest = null;
    var mineActive = false;
    Array.prototype.forEach.call(el.list.querySelectorAll('.bid[data-status="active"]'), function (row) {
      var amount = cents(row.getAttribute("data-amount"));
      var id = Number(row.getAttribute("data-bid-id"));
      if (row.getAttribute("data-bidder") === myBidder) mineActive = true;
      if (lowest === null || amount < lowest.amount || (amount === lowest.amount && id < lowest.id)) {
        lowest = { amount: amount, id: id, bidder: row.getAttribute("data-bidder") };
      }
    });
    if (!myBidder) return null;
    if (lowest && lowest.bidder === myBidder) return "leading";
    return mineActive ? "outbid" : null;
  }

  // services.bidding.max_allowed_bid's ceiling: the lowest bid less BID_MIN_DECREMENT, at
  // most budget_max.
  function setLimit(maxCents) {
    if (!el.amount || !el.amountHint) return;
    if (maxCents === null) {
      el.amount.removeAttribute("max");
      el.amountHint.textContent = "Enter an amount below the lowest bid";
      return;
    }
    el.amount.setAttribute("max", (maxCents / 100).toFixed(2));
    el.amountHint.textContent = "Enter " + BB.formatInr(maxCents / 100) + " or less";
  }

  function guide(lowestBid) {
    if (!canBid || status !== "active") return;
    var standing = standingFromRows();
    setStanding(standing);
    if (standing === "leading") return setLimit(null);
    var lowest = cents(lowestBid);
    setLimit(lowest === null ? budgetMaxCents : Math.min(budgetMaxCents, lowest - decrementCents));
  }

  function outcome(newStatus, winning) {
    if (winning) return "Won by " + BB.formatInr(winning.amount) + " (" + winning.bidder + ")";
    if (newStatus === "expired") return "Ended without award";
    if (newStatus === "cancelled") return "This auction was cancelled";
    return "";
  }

  function close(newStatus, winning, at, live) {
    var words = outcome(newStatus, winning);
    if (el.closedWinner) el.closedWinner.textContent = words && newStatus !== "cancelled" ? words + "." : "";
    if (el.deadlineLabel) el.deadlineLabel.textContent = "Closed";
    if (at) el.deadlineText.textContent = BB.formatIst(at, true);
    if (canBid) setStanding(winning && myBidder && winning.bidder === myBidder ? "won" : null);
    if (live && words) BB.toast(words + ".");
    status = newStatus;
    root.setAttribute("data-status", newStatus);
    el.statusPill.textContent = "";
    el.statusPill.appendChild(span("pill pill-" + newStatus, newStatus));
    el.closedStatus.textContent = newStatus;
    el.closed.hidden = false;
    if (el.bidPanel) el.bidPanel.hidden = true;
    if (el.manage) el.manage.hidden = true;
    el.liveState.hidden = true;
    Array.prototype.forEach.call(el.list.querySelectorAll('.bid[data-status="active"]'), function (row) {
      var won = winning && String(winning.id) === row.getAttribute("data-bid-id");
      setRowStatus(row, won ? "accepted" : "rejected");
    });
    tick();
  }

  // ---- questions: an answer appears live (texts arrive masked; the asker is never named) ----
  function showAnswer(question) {
    var list = document.getElementById("question-list");
    if (!list || !question) return;
    var item = document.getElementById("question-" + question.id);
    if (!item) {
      item = document.createElement("li");
      item.className = "question";
      item.id = "question-" + question.id;
      item.setAttribute("data-question-id", String(question.id));
      item.appendChild(span("meta", "A provider asked"));
      var body = document.createElement("p");
      body.className = "prewrap question-body";
      body.textContent = question.body;
      item.appendChild(body);
      list.insertBefore(item, list.firstChild);
      var none = document.getElementById("no-questions");
      if (none) none.hidden = true;
    }
    if (item.getAttribute("data-answered") === "1") return;
    item.setAttribute("data-answered", "1");
    Array.prototype.forEach.call(item.querySelectorAll(".answer-form, .answer-pending"), function (node) {
      node.parentNode.removeChild(node);
    });
    var answer = document.createElement("div");
    answer.className = "answer";
    answer.appendChild(span("meta", "The customer answered"));
    var text = document.createElement("p");
    text.className = "prewrap answer-body";
    text.textContent = question.answer;
    answer.appendChild(text);
    item.appendChild(answer);
    flash(item);
  }

  function dropQuestion(questionId) {
    var item = document.getElementById("question-" + questionId);
    if (item && !isCreator) item.parentNode.removeChild(item);
  }

  // ---- events (live, or replayed from `missed`) -------------------------------------------
  function apply(type, payload, seq, at, live) {
    if (typeof seq === "number") {
      if (seq <= lastSeq) return; // already seen (missed and live can overlap)
      lastSeq = seq;
      root.setAttribute("data-last-seq", String(seq));
    }
    switch (type) {
      case "bid_placed":
        addBid(payload.bid);
        setSummary(payload.lowest_bid, payload.bid_count);
        if (payload.deadline) setDeadline(payload.deadline);
        guide(payload.lowest_bid);
        break;
      case "bid_withdrawn":
        var row = el.list.querySelector('[data-bid-id="' + payload.bid_id + '"]');
        if (row) setRowStatus(row, "withdrawn");
        setSummary(payload.lowest_bid, payload.bid_count);
        guide(payload.lowest_bid);
        break;
      case "auction_updated":
      case "auction_extended":
        if (payload.auction && payload.auction.deadline) setDeadline(payload.auction.deadline);
        break;
      case "auction_closed":
      case "auction_awarded":
      case "auction_cancelled":
        if (status === "active") close(payload.status, payload.winning_bid, at, live);
        break;
      case "question_answered":
        showAnswer(payload.question);
        break;
      case "question_hidden":
        dropQuestion(payload.question_id);
        break;
    }
  }

  if (!BB.socket) {
    el.liveState.textContent = "Live updates unavailable: reload the page for new bids.";
    return;
  }
  // Each room event is named after its log entry's type, with the entry's payload: the
  // same `apply` serves live frames and replayed `missed` entries.
  [
    "bid_placed",
    "bid_withdrawn",
    "auction_updated",
    "auction_extended",
    "auction_closed",
    "auction_awarded",
    "auction_cancelled",
    "question_answered",
    "question_hidden",
  ].forEach(function (name) {
    BB.socket.on(name, function (payload) {
      if (payload && payload.auction_id !== undefined && payload.auction_id !== auctionId) return;
      if (payload && payload.auction && payload.auction.id !== auctionId) return;
      apply(name, payload, payload && payload.seq, payload && payload.server_time, true);
    });
  });

  function join() {
    BB.socket.emit("join_auction", { auction_id: auctionId, since_seq: lastSeq }, function (answer) {
      if (!answer || !answer.ok) {
        el.liveState.textContent = "Live updates unavailable: reload the page.";
        return;
      }
      if (answer.gap_too_large) {
        window.location.reload();
        return;
      }
      (answer.missed || []).forEach(function (event) {
        apply(event.type, event.payload, event.seq, event.created_at, true);
      });
      var snapshot = answer.auction;
      if (snapshot) {
        setSummary(snapshot.lowest_bid, snapshot.bid_count);
        if (snapshot.status !== "active" && status === "active") {
          close(snapshot.status, snapshot.winning_bid, snapshot.closed_at, true);
        } else if (snapshot.deadline) setDeadline(snapshot.deadline);
        if (canBid && snapshot.status === "active") {
          // The server's own word on this viewer's standing and limit (queries.bidder_standing).
          if (snapshot.my_bidder) {
            myBidder = snapshot.my_bidder;
            root.setAttribute("data-my-bidder", myBidder);
          }
          setStanding(snapshot.my_standing);
          setLimit(cents(snapshot.max_allowed));
        }
      }
      root.setAttribute("data-live", "joined");
      el.liveState.textContent = "Live: new bids appear here as they are placed.";
      el.liveState.classList.add("is-live");
    });
  }

  BB.socket.on("connect", join);
  BB.socket.on("disconnect", function () {
    root.setAttribute("data-live", "offline");
    if (document.body.getAttribute("data-session") === "ended") return; // live.js said why
    el.liveState.textContent = "Reconnecting…";
    el.liveState.classList.remove("is-live");
  });
  if (BB.socket.connected) join();
})();
