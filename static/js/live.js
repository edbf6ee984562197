/* Bid Bazaar live layer for the server-rendered pages (no inline script: CSP script-src 'self').
 *
 * One Socket.IO connection per page to the /auctions namespace, authenticated by the cookie
 * session. It keeps the notifications badge current, shows new notifications as toasts,
 * estimates the server's clock (sync_time) for countdowns, says so when the server ended the
 * session, and hands the socket to auction.js through window.BidBazaar. It also runs the
 * header's phone menu.
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
  // Each toast has a dismiss button; Escape dismisses the newest; at most MAX_TOASTS are shown
  // (the oldest goes); each goes by itself after the region's data-dismiss-ms (8 s), unless
  // it is hovered or holds the focus then. Where they sit (never over a form) is site.css's.
  var MAX_TOASTS = 3;
  var toasts = document.getElementById("live-messages");

  function dismissToast(item) {
    if (!item || !item.parentNode) return;
    var hadFocus = item.contains(document.activeElement);
    item.remove();
    if (hadFocus) {
      var newest = toasts.lastElementChild;
      var next = newest ? newest.querySelector(".toast-dismiss") : document.getElementById("main");
      if (next) next.focus();
    }
  }

  function dismissLater(item) {
    var ms = parseInt(toasts.getAttribute("data-dismiss-ms"), 10);
    window.setTimeout(function () {
      if (item.matches(":hover, :focus-within")) dismissLater(item);
      else dismissToast(item);
    }, isNaN(ms) ? 8000 : ms);
  }

  // BB.toast(text, {link: {href, text}, persist: true}): persist keeps it until dismissed.
  BB.toast = function (text, options) {
    if (!toasts || !text) return null;
    options = options || {};
    var item = document.createElement("div");
    item.className = "toast";
    var message = document.createElement("p");
    message.className = "toast-text";
    message.textContent = text;
    if (options.link) {
      var link = document.createElement("a");
      link.href = options.link.href;
      link.textContent = options.link.text;
      message.append(" ", link);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-dismiss";
    close.setAttribute("aria-label", "Dismiss notification");
    close.innerHTML = '<span aria-hidden="true">×</span>';
    close.addEventListener("click", function () { dismissToast(item); });
    item.append(message, close);
    toasts.appendChild(item);
    while (toasts.children.length > MAX_TOASTS) dismissToast(toasts.firstElementChild);
    if (!options.persist) dismissLater(item);
    return item;
  };

  // ---- the phone menu -------------------------------------------------------------------
  // Below 640px (site.css) the header's links fold behind the Menu button once this runs.
  var header = document.querySelector(".site-header");
  var menuButton = document.getElementById("menu-toggle");
  function setMenu(open) {
    header.classList.toggle("menu-open", open);
    menuButton.setAttribute("aria-expanded", open ? "true" : "false");
  }
  if (header && menuButton) {
    header.classList.add("has-menu");
    menuButton.addEventListener("click", function () {
      setMenu(menuButton.getAttribute("aria-expanded") !== "true");
    });
  }

  // Escape closes the open menu (focus back on its button), else dismisses the newest toast.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (menuButton && menuButton.getAttribute("aria-expanded") === "true") {
      setMenu(false);
      if (header.contains(document.activeElement)) menuButton.focus();
    } else if (toasts && toasts.lastElementChild) {
      dismissToast(toasts.lastElementChild);
    }
  });

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
  socket.on("connect_error", function (error) {
    body.setAttribute("data-socket", "refused");
    if (error && error.data && error.data.code === "SESSION_ENDED") signedOut();
  });

  // ---- a session the server ended (logout elsewhere, deactivation: docs/realtime.md) -----
  // `session_ended` comes just before the server drops the socket; a reconnect with the ended
  // cookie is refused with the same code. Either way: stop reconnecting and say so.
  socket.on("session_ended", signedOut);

  function signedOut() {
    if (body.getAttribute("data-session") === "ended") return;
    body.setAttribute("data-session", "ended");
    // No more retries. While connected, the server's own disconnect follows `session_ended`
    // on the same queue and closes the socket: closing it from here as well races the server's
    // last frames (Chromium logs "Data frame received after close"). A refused reconnect
    // (connect_error) is not connected, so there only the retries need stopping.
    socket.io.reconnection(false);
    if (!socket.connected) socket.disconnect();
    var login = (body.getAttribute("data-login-url") || "/login") +
      "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    var state = document.getElementById("live-state"); // the auction page's live line
    if (state) {
      var link = document.createElement("a");
      link.href = login;
      link.textContent = "Log in again";
      state.classList.remove("is-live");
      state.replaceChildren("You were signed out. ", link);
    }
    BB.toast("You were signed out.", { persist: true, link: { href: login, text: "Log in again" } });
  }
  window.setInterval(function () {
    if (socket.connected) syncClock(1);
  }, 60000);

  // ---- notifications badge --------------------------------------------------------------
  var badge = document.getElementById("notification-badge");
  var menuBadge = document.getElementById("menu-badge"); // the same count on the phone's Menu button
  socket.on("notification", function (note) {
    if (menuBadge) {
      var unread = (parseInt(menuBadge.getAttribute("data-count"), 10) || 0) + 1;
      menuBadge.setAttribute("data-count", String(unread));
      menuBadge.firstChild.nodeValue = String(unread);
      menuBadge.hidden = false;
    }
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
