/* Bid Bazaar live layer for the server-rendered pages (no inline script: CSP script-src 'self').
 *
 * One Socket.IO connection per page to the /auctions namespace, authenticated by the cookie
 * session. It keeps the notifications badge current, shows new notifications as toasts,
 * estimates the server's clock (sync_time) for countdowns, and hands the socket to
 * auction.js through window.BidBazaar.
 */
(function () {
  "use strict";

  var body = document.body;
  var BB = (window.BidBazaar = window.BidBazaar || {});

  // ---- confirmations for destructive buttons (data-confirm) -----------------------------
  document.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // ---- the server's clock ---------------------------------------------------------------
  // offset = server time - device time. A first guess from the page's render time, then the
  // sync_time round trip (best of a few samples: the shortest round trip is the most exact).
  var offsetMs = 0;
  var bestRoundTrip = Infinity;
  var rendered = Date.parse(body.getAttribute("data-server-time") || "");
  if (!isNaN(rendered)) {
    offsetMs = rendered - Date.now();
  }
  BB.serverNow = function () {
    return Date.now() + offsetMs;
  };

  // ---- formatting shared with auction.js (same output as the Jinja filters) -------------
  BB.formatInr = function (amount) {
    if (amount === null || amount === undefined) return "—";
    var value = Number(amount);
    var whole = Math.abs(value) % 1 === 0;
    return (value < 0 ? "-" : "") + "₹" + Math.abs(value).toLocaleString("en-IN", {
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: 2,
    });
  };
  BB.formatIst = function (iso, withSeconds) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return "";
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Kolkata", day: "2-digit", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
    }).formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    var time = parts.hour + ":" + parts.minute + (withSeconds ? ":" + parts.second : "");
    return parts.day + " " + parts.month + " " + parts.year + ", " + time + " IST";
  };
  BB.formatDuration = function (seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var days = Math.floor(seconds / 86400);
    var rest = seconds % 86400;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var clock = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor((rest % 3600) / 60)) + ":" + pad(rest % 60);
    return days ? days + "d " + clock : clock;
  };

  // ---- toasts ---------------------------------------------------------------------------
  var toasts = document.getElementById("live-messages");
  BB.toast = function (text) {
    if (!toasts || !text) return;
    var item = document.createElement("p");
    item.className = "toast";
    item.textContent = text;
    toasts.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 8000);
  };

  // ---- the socket -----------------------------------------------------------------------
  var loggedIn = body.hasAttribute("data-user");
  var onAuctionPage = !!document.getElementById("auction-live");
  if (typeof window.io !== "function" || (!loggedIn && !onAuctionPage)) {
    return;
  }
  var socket = window.io("/auctions", { withCredentials: true });
  BB.socket = socket;

  function syncClock(samplesLeft) {
    var sent = Date.now();
    socket.emit("sync_time", {}, function (answer) {
      var received = Date.now();
      var serverTime = answer && answer.ok ? Date.parse(answer.server_time) : NaN;
      if (!isNaN(serverTime) && received - sent <= bestRoundTrip) {
        bestRoundTrip = received - sent;
        offsetMs = serverTime - (sent + received) / 2;
      }
      if (samplesLeft > 1) syncClock(samplesLeft - 1);
    });
  }

  socket.on("connect", function () {
    body.setAttribute("data-socket", "connected");
    bestRoundTrip = Infinity;
    syncClock(3);
  });
  socket.on("disconnect", function () {
    body.setAttribute("data-socket", "disconnected");
  });
  socket.on("connect_error", function () {
    body.setAttribute("data-socket", "refused");
  });
  window.setInterval(function () {
    if (socket.connected) syncClock(1);
  }, 60000);

  // ---- notifications badge --------------------------------------------------------------
  var badge = document.getElementById("notification-badge");
  socket.on("notification", function (note) {
    if (badge) {
      var count = (parseInt(badge.getAttribute("data-count"), 10) || 0) + 1;
      badge.setAttribute("data-count", String(count));
      badge.textContent = String(count);
      badge.parentElement.setAttribute("aria-label", "Notifications, " + count + " unread");
      badge.classList.remove("bump");
      void badge.offsetWidth; // restart the animation
      badge.classList.add("bump");
    }
    if (note && note.message) BB.toast(note.message);
    if (typeof BB.onNotification === "function") BB.onNotification(note);
  });
})();
