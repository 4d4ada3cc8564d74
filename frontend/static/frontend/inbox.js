/* The agent inbox in the browser: the live connection, the thread, the composer, navigation.

   The server renders every piece (the list, the thread, the panel, one message); this script keeps
   them current. It holds one WebSocket to /ws/t/<slug>/, remembers the last event number it
   applied (sessionStorage), asks for what it missed after every (re)connection, and applies each
   event by fetching the fragment it concerns, so applying one twice, or late, is harmless.
   Every event is also dispatched as `relay:event` on document for other scripts (presence.js).
   No build step, no dependencies. */
(() => {
  "use strict";

  const root = document.getElementById("inbox");
  if (!root) return;

  const slug = root.dataset.slug;
  const baseUrl = root.dataset.baseUrl; // /t/<slug>/inbox/
  const userId = Number(root.dataset.userId);
  const text = JSON.parse(document.getElementById("inbox-text").textContent);
  const FRAGMENT = { "X-Relay-Fragment": "1" };
  const phone = window.matchMedia("(max-width: 760px)");
  // The server's clock minus ours: the window countdown follows the server's time.
  const clockSkew = Date.parse(root.dataset.serverNow) - Date.now() || 0;
  const serverNow = () => Date.now() + clockSkew;

  const format = (template, values) => template.replace(/%\((\w+)\)s/g, (_m, key) => String(values[key] ?? ""));
  const csrfToken = () => {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    return cookie ? decodeURIComponent(cookie.split("=")[1]) : "";
  };
  const conversationId = () => Number(root.dataset.conversationId) || null;
  const conversationUrl = (id) => `${baseUrl}${id}/`;
  const toNode = (html) => {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  };

  async function fetchFragment(url) {
    const response = await fetch(url, { headers: FRAGMENT, credentials: "same-origin" });
    if (response.status === 404 || response.status === 204) return null;
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.text();
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { ...FRAGMENT, "X-CSRFToken": csrfToken(), Accept: "application/json, text/html" },
      credentials: "same-origin",
    });
    const type = response.headers.get("Content-Type") || "";
    const payload = type.includes("json") ? await response.json() : await response.text();
    return { ok: response.ok, status: response.status, payload };
  }

  const errorMessage = (result) =>
    (result.payload && result.payload.error && result.payload.error.message) || text.offline;

  /* ------------------------------------------------------------------ live connection */

  const seqKey = `relay:seq:${slug}`;
  // The page shows everything up to data-last-seq; what came after is asked for on connecting.
  // (A number kept from an earlier page is not used: that page's panes, not these, saw those events.)
  let lastSeq = Number(root.dataset.lastSeq) || 0;
  const ahead = new Set(); // applied events past a gap in the numbers
  // The latest events, applied again to panes that were rendered while they arrived.
  const recent = [];
  const RECENT_KEPT = 200;
  let socket = null;
  let attempts = 0;
  let reconnectTimer = null;
  let gapTimer = null;
  let resyncing = false;
  let forbidden = false;
  const statusLine = document.getElementById("connection-status");

  function showConnection(message) {
    statusLine.textContent = message || "";
    statusLine.hidden = !message;
  }

  function connect() {
    if (forbidden || (socket && socket.readyState <= WebSocket.OPEN)) return;
    clearTimeout(reconnectTimer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/t/${slug}/`);
    socket.addEventListener("open", () => {
      attempts = 0;
      showConnection("");
      resync();
    });
    socket.addEventListener("message", (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      // Events come in arrays (one committed write each); presence and replies are single objects.
      for (const event of Array.isArray(data) ? data : [data]) receive(event);
    });
    socket.addEventListener("close", (closed) => {
      socket = null;
      resyncing = false;
      if (closed.code === 4403) {
        forbidden = true;
        showConnection(text.signedOut);
        return;
      }
      showConnection(text.reconnecting);
      // Back off: 0.5 s, 1 s, 2 s… up to 30 s, with jitter so a restart is not met by every browser at once.
      const delay = Math.min(30000, 500 * 2 ** attempts) * (0.75 + Math.random() / 2);
      attempts += 1;
      reconnectTimer = setTimeout(connect, delay);
    });
  }

  function resync() {
    if (!socket || socket.readyState !== WebSocket.OPEN || resyncing) return;
    resyncing = true;
    socket.send(JSON.stringify({ action: "resync", after: lastSeq }));
  }

  function markApplied(seq) {
    if (seq <= lastSeq) return;
    if (seq === lastSeq + 1) {
      lastSeq = seq;
      while (ahead.delete(lastSeq + 1)) lastSeq += 1;
    } else {
      ahead.add(seq);
    }
    for (const applied of ahead) if (applied <= lastSeq) ahead.delete(applied);
    sessionStorage.setItem(seqKey, String(lastSeq));
    clearTimeout(gapTimer);
    // Events of concurrent writes may arrive slightly out of order; a gap that stays is a lost event.
    if (ahead.size) gapTimer = setTimeout(resync, 1500);
  }

  function receive(event) {
    if (event.type === "resync.done") {
      // Every event up to last_seq was just replayed (or applied before): none is missing below it.
      resyncing = false;
      if (event.last_seq > lastSeq) lastSeq = event.last_seq;
      for (const applied of ahead) if (applied <= lastSeq) ahead.delete(applied);
      while (ahead.delete(lastSeq + 1)) lastSeq += 1;
      sessionStorage.setItem(seqKey, String(lastSeq));
      if (!event.complete) resync();
      return;
    }
    if (event.type === "error") return;
    if (typeof event.seq === "number") {
      if (event.seq <= lastSeq || ahead.has(event.seq)) return; // seen already: events apply once
      markApplied(event.seq);
      recent.push(event);
      if (recent.length > RECENT_KEPT) recent.shift();
    }
    apply(event);
    document.dispatchEvent(new CustomEvent("relay:event", { detail: event }));
  }

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }

  // A page restored from the back/forward cache kept its state but lost its socket.
  window.addEventListener("pageshow", (shown) => {
    if (shown.persisted) connect();
  });
  window.addEventListener("online", () => {
    attempts = 0;
    connect();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) return;
    if (!socket) {
      attempts = 0;
      connect();
    }
    markRead(); // what arrived in the open conversation while the tab was hidden is read now
  });

  /* ------------------------------------------------------------------ applying events */

  const assignees = new Map(); // conversation id → assignee id, as events tell
  const waitingInbound = new Map(); // conversation id → [message], until its assignee is known

  // `replay`: applied again to freshly rendered panes; it was notified the first time.
  function apply(event, { replay = false } = {}) {
    const open = conversationId();
    switch (event.type) {
      case "message.created": {
        const message = event.message || {};
        // A reaction is shown on its target (message.reaction), not as a message of the thread.
        if (message.type === "reaction") break;
        if (message.conversation_id === open) upsertMessage(message.id, message.direction === "out");
        if (message.direction === "in") {
          if (!replay) waitInbound(message);
          if (message.conversation_id === open && !document.hidden) markRead();
        }
        break;
      }
      case "message.status":
      case "message.reaction":
      case "attachment.updated":
        if (document.getElementById(`message-${event.message_id}`)) refreshMessage(event.message_id);
        break;
      case "activity.created":
        if (event.conversation_id === open) upsertActivity(event.activity_id);
        break;
      case "workspace.changed":
        // A team or label was renamed or deleted: the rows and the panel showing it are redrawn.
        document.querySelectorAll("#conversation-list > li[data-conversation-id]").forEach((row) => {
          refreshRow(Number(row.dataset.conversationId));
        });
        refreshPanel();
        break;
      case "contact.erased": {
        // An admin erased the contact: their rows go, and an open thread of theirs closes, saying why.
        const erased = event.conversation_ids || [];
        erased.forEach((id) => document.getElementById(`conversation-${id}`)?.remove());
        if (erased.includes(open)) {
          openConversation(baseUrl, { push: true }).then(() => {
            const notice = document.createElement("p");
            notice.className = "erased-notice";
            notice.setAttribute("role", "status");
            notice.textContent = text.erased;
            document.getElementById("thread-pane")?.prepend(notice);
          });
        }
        break;
      }
      case "contact.updated":
        // A colleague renamed the contact or changed its attributes: its rows and panel show them.
        for (const id of event.conversation_ids || []) refreshRow(id);
        if ((event.conversation_ids || []).includes(open)) refreshPanel();
        break;
      default:
        if (event.type === "conversation.updated" || event.type.startsWith("conversation.window")) {
          conversationChanged(event);
        }
    }
  }

  function conversationChanged(event) {
    const conversation = event.conversation || {};
    if (!conversation.id) return;
    assignees.set(conversation.id, conversation.assignee_id);
    resolveInbound(conversation.id);
    refreshRow(conversation.id);
    if (conversation.id !== conversationId()) return;
    refreshPanel();
    const closed = event.type === "conversation.window_closed" || conversation.window_notice === "closed";
    updateWindow(conversation.last_inbound_at, closed);
  }

  /* ------------------------------------------------------------------ notifications */

  let unseen = 0;
  const baseTitle = () => document.title.replace(/^\(\d+\) /, "");
  let audio = null;
  let lastBeep = 0;

  function waitInbound(message) {
    const list = waitingInbound.get(message.conversation_id) || [];
    list.push(message);
    waitingInbound.set(message.conversation_id, list);
    // Its conversation.updated (with the assignee) follows in the same batch; if not, go by what we know.
    setTimeout(() => resolveInbound(message.conversation_id), 1000);
  }

  function resolveInbound(id) {
    const messages = waitingInbound.get(id);
    if (!messages) return;
    waitingInbound.delete(id);
    if (assignees.get(id) !== userId) return;
    const watching = id === conversationId() && !document.hidden && document.hasFocus();
    if (!watching) messages.forEach((message) => notify(message));
  }

  function notify(message) {
    if (document.hidden || !document.hasFocus()) {
      unseen += 1;
      document.title = `(${unseen}) ${baseTitle()}`;
    }
    beep();
    if (document.hidden && "Notification" in window && Notification.permission === "granted") {
      const shown = new Notification(text.newMessage, {
        body: message.text || "",
        tag: `relay-conversation-${message.conversation_id}`,
      });
      shown.addEventListener("click", () => {
        window.focus();
        openConversation(conversationUrl(message.conversation_id), { push: true });
      });
    }
  }

  function beep() {
    if (!audio || Date.now() - lastBeep < 1500) return;
    lastBeep = Date.now();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.15, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.3);
  }

  // Browsers let a page make sound only after the person interacted with it.
  const unlockAudio = () => {
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
  };
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  const clearUnseen = () => {
    if (!document.hidden && document.hasFocus()) {
      unseen = 0;
      document.title = baseTitle();
    }
  };
  window.addEventListener("focus", clearUnseen);
  document.addEventListener("visibilitychange", clearUnseen);

  function offerNotifications() {
    const offer = "Notification" in window && Notification.permission === "default";
    document.querySelectorAll("[data-enable-notifications]").forEach((button) => {
      button.hidden = !offer;
    });
  }
  document.addEventListener("click", (click) => {
    const button = click.target.closest("[data-enable-notifications]");
    if (button) Notification.requestPermission().then(offerNotifications);
  });

  /* ------------------------------------------------------------------ the list and the panel */

  // One request per key at a time; a change that arrives meanwhile is fetched once it is done.
  function coalesce(pending, key, run) {
    if (pending.has(key)) {
      pending.set(key, true);
      return;
    }
    pending.set(key, false);
    run().finally(() => {
      const again = pending.get(key);
      pending.delete(key);
      if (again) coalesce(pending, key, run);
    });
  }

  const listQuery = () => {
    const list = document.getElementById("conversation-list");
    return (list && list.dataset.query) || location.search.replace(/^\?/, "");
  };
  const rowRefreshes = new Map();

  function refreshRow(id) {
    coalesce(rowRefreshes, id, () => {
      const query = listQuery();
      return fetchFragment(`${baseUrl}list/${id}/${query ? `?${query}` : ""}`)
        .then((html) => placeRow(id, html))
        .catch(() => {});
    });
  }

  function placeRow(id, html) {
    const list = document.getElementById("conversation-list");
    if (!list) return;
    const existing = document.getElementById(`conversation-${id}`);
    const row = html ? toNode(html) : null;
    if (!row) {
      existing?.remove(); // no longer in this view of the list
      return;
    }
    const hadFocus = existing && existing.contains(document.activeElement);
    if (id === conversationId()) row.setAttribute("aria-current", "true");
    const activity = row.dataset.lastActivity || "";
    // Rows are sorted by last activity, newest first: a row goes where its time says.
    const after = [...list.querySelectorAll(":scope > li[data-conversation-id]")].find(
      (other) => other !== existing && (other.dataset.lastActivity || "") < activity,
    );
    // Older than every row shown while more pages follow: it belongs to a page not loaded yet.
    if (!after && !existing && list.querySelector(":scope > .list-more")) return;
    if (existing) existing.remove();
    list.insertBefore(row, after || list.querySelector(":scope > li:not([data-conversation-id])"));
    if (window.htmx) window.htmx.process(row);
    if (hadFocus) row.querySelector("a, [tabindex]")?.focus();
  }

  let panelRefresh = null;
  let panelRefreshAgain = false;
  function refreshPanel() {
    const id = conversationId();
    const body = document.getElementById("panel-body");
    if (!id || !body) return;
    // A change made while a refresh is on its way may be newer than what it brings: fetch again after.
    if (panelRefresh) {
      panelRefreshAgain = true;
      return;
    }
    panelRefresh = fetchFragment(`${baseUrl}${id}/panel/`)
      .then((html) => {
        if (html === null || id !== conversationId()) return;
        // Keep the agent's place: a control they are using keeps the focus.
        const focusedId = body.contains(document.activeElement) ? document.activeElement.id : "";
        body.innerHTML = html;
        if (window.htmx) window.htmx.process(body);
        if (focusedId) document.getElementById(focusedId)?.focus();
      })
      .catch(() => {})
      .finally(() => {
        panelRefresh = null;
        if (panelRefreshAgain) {
          panelRefreshAgain = false;
          refreshPanel();
        }
      });
  }

  /* ------------------------------------------------------------------ the thread */

  const thread = () => document.getElementById("thread");
  const nearBottom = (element) => element.scrollHeight - element.scrollTop - element.clientHeight < 120;
  const messageRefreshes = new Map();
  let sendsInFlight = 0;
  const deferredOwn = new Set(); // our own new messages, placed when their send answers

  function scrollToBottom() {
    const element = thread();
    if (element) element.scrollTop = element.scrollHeight;
  }

  // Place an item by its time (data-at), replacing the one with its id.
  function place(node) {
    const list = thread();
    if (!list || !node) return;
    const stick = nearBottom(list);
    const existing = document.getElementById(node.id);
    if (existing) {
      existing.replaceWith(node);
    } else {
      const at = Date.parse(node.dataset.at);
      const items = [...list.querySelectorAll(":scope > [data-at]")];
      const next = items.reverse().find((item) => Date.parse(item.dataset.at) <= at);
      if (next) next.after(node);
      else list.append(node);
      list.querySelector(":scope > .thread-start")?.remove();
    }
    enhance(node);
    markDays();
    if (stick) scrollToBottom();
  }

  function upsertMessage(id, outbound) {
    if (outbound && sendsInFlight > 0) {
      deferredOwn.add(id);
      return;
    }
    refreshMessage(id);
  }

  function refreshMessage(id) {
    coalesce(messageRefreshes, id, () => {
      const open = conversationId();
      return fetchFragment(`${baseUrl}${open}/messages/${id}/`)
        .then((html) => {
          if (html && open === conversationId()) place(toNode(html));
        })
        .catch(() => {});
    });
  }

  function upsertActivity(id) {
    if (document.getElementById(`activity-${id}`)) return;
    const open = conversationId();
    fetchFragment(`${baseUrl}${open}/activities/${id}/`)
      .then((html) => {
        if (html && open === conversationId()) place(toNode(html));
      })
      .catch(() => {});
  }

  let readTimer = null;
  function markRead() {
    const composer = document.getElementById("composer");
    if (!composer) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(() => post(composer.dataset.readUrl, new FormData()).catch(() => {}), 300);
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const dayKey = (date) => `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;

  // Times in the agent's own time zone (the server writes UTC).
  function enhance(scope) {
    scope.querySelectorAll("time[datetime]").forEach((time) => {
      const date = new Date(time.getAttribute("datetime"));
      if (!Number.isNaN(date.getTime())) time.textContent = timeFormat.format(date);
    });
    scope.querySelectorAll("img:not([data-watched])").forEach((image) => {
      image.dataset.watched = "";
      image.addEventListener("load", () => {
        const list = thread();
        if (list && image.closest("#thread") && nearBottom(list)) scrollToBottom();
      });
    });
  }

  // A heading before the first item of each day, in the agent's time zone.
  function markDays() {
    const list = thread();
    if (!list) return;
    list.querySelectorAll(":scope > .thread-day").forEach((day) => day.remove());
    let previous = "";
    const today = dayKey(new Date());
    const yesterday = dayKey(new Date(Date.now() - 86400000));
    list.querySelectorAll(":scope > [data-at]").forEach((item) => {
      const date = new Date(item.dataset.at);
      const key = dayKey(date);
      if (key === previous) return;
      previous = key;
      const heading = document.createElement("h2");
      heading.className = "thread-day";
      heading.textContent = key === today ? text.today : key === yesterday ? text.yesterday : dayFormat.format(date);
      item.before(heading);
    });
  }

  // Older messages come in as the agent scrolls up to the top.
  let loadingOlder = null;
  function loadOlder() {
    const list = thread();
    const marker = list && list.querySelector(":scope > .thread-older");
    if (!marker) return Promise.resolve(false);
    if (loadingOlder) return loadingOlder;
    const open = conversationId();
    loadingOlder = fetchFragment(marker.dataset.olderUrl)
      .then((html) => {
        if (html === null || open !== conversationId()) return false;
        const template = document.createElement("template");
        template.innerHTML = html;
        const height = list.scrollHeight;
        const top = list.scrollTop;
        marker.replaceWith(template.content);
        enhance(list);
        markDays();
        list.scrollTop = top + (list.scrollHeight - height);
        observeOlder();
        return true;
      })
      .catch(() => false)
      .finally(() => {
        loadingOlder = null;
      });
    return loadingOlder;
  }

  let olderObserver = null;
  function observeOlder() {
    const list = thread();
    const marker = list && list.querySelector(":scope > .thread-older");
    if (olderObserver) olderObserver.disconnect();
    if (!marker || !("IntersectionObserver" in window)) return;
    olderObserver = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadOlder();
    }, { root: list, rootMargin: "200px 0px 0px 0px" });
    olderObserver.observe(marker);
  }

  // A quoted message: scroll to it, loading older pages until it is there.
  async function showMessage(id) {
    for (let pages = 0; pages < 50 && !document.getElementById(`message-${id}`); pages += 1) {
      if (!(await loadOlder())) break;
    }
    const target = document.getElementById(`message-${id}`);
    if (!target) return;
    target.scrollIntoView({ block: "center", behavior: "smooth" });
    target.classList.add("is-highlighted");
    setTimeout(() => target.classList.remove("is-highlighted"), 1600);
  }

  const viewer = document.getElementById("image-viewer");

  document.addEventListener("click", (click) => {
    const quote = click.target.closest("[data-quote]");
    if (quote) {
      click.preventDefault();
      showMessage(quote.dataset.quote);
      return;
    }
    const image = click.target.closest("[data-viewer]");
    if (image && viewer) {
      viewer.querySelector("[data-viewer-image]").src = image.dataset.viewer;
      viewer.querySelector("[data-viewer-image]").alt = image.dataset.caption || "";
      viewer.querySelector("[data-viewer-caption]").textContent = image.dataset.caption || "";
      viewer.querySelector("[data-viewer-download]").href = image.dataset.viewer;
      viewer.showModal();
      return;
    }
    const reply = click.target.closest("[data-reply-to]");
    if (reply) replyTo(reply.dataset.replyTo);
  });
  viewer?.addEventListener("click", (click) => {
    if (click.target === viewer) viewer.close(); // a click beside the image
  });

  // Snoozing "until tomorrow 9:00" means the agent's 9:00: their browser says which time zone.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt.closest("[data-send-timezone]")) return;
    event.detail.parameters.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  });

  document.addEventListener("submit", (submit) => {
    const form = submit.target;
    if (!form.classList.contains("react-form")) return;
    submit.preventDefault();
    // The message comes back with its reactions; the live event refreshes it for everyone else.
    post(form.action, new FormData(form, submit.submitter)).then((result) => {
      if (result.ok) place(toNode(result.payload));
      else showError(errorMessage(result));
    }).catch(() => showError(text.offline));
  });

  document.addEventListener("submit", (submit) => {
    const form = submit.target;
    if (!form.classList.contains("retry-form")) return;
    submit.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    post(form.action, new FormData(form)).then((result) => {
      if (result.ok) {
        place(toNode(result.payload));
        refreshMessage(Number(form.closest("[data-message-id]").dataset.messageId));
      } else {
        button.disabled = false;
        showError(errorMessage(result));
      }
    }).catch(() => {
      button.disabled = false;
      showError(text.offline);
    });
  });

  /* ------------------------------------------------------------------ the composer */

  const composer = () => document.getElementById("composer");
  const textarea = () => document.getElementById("composer-text");
  let pendingFile = null;
  let windowTimer = null;
  let minuteTimer = null;

  function showError(message) {
    const error = document.getElementById("composer-error");
    if (!error) return;
    error.textContent = message || "";
    error.hidden = !message;
  }

  function setMode(mode, { focus = false } = {}) {
    const box = composer();
    if (!box) return;
    if (mode === "reply" && box.dataset.windowOpen !== "true") mode = "template";
    box.dataset.mode = mode;
    box.querySelectorAll(".composer-modes [data-mode]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
    });
    const form = document.getElementById("composer-form");
    const templates = document.getElementById("template-form");
    form.hidden = mode === "template";
    templates.hidden = mode !== "template";
    const area = textarea();
    area.placeholder = mode === "note" ? area.dataset.placeholderNote : area.dataset.placeholderReply;
    const send = form.querySelector(".send");
    send.textContent = mode === "note" ? send.dataset.sendLabelNote : send.dataset.sendLabelReply;
    form.querySelector("[data-attach]").hidden = mode === "note";
    if (mode === "note") clearFile();
    showError("");
    if (focus) (mode === "template" ? templates.querySelector("select, input, a") : area)?.focus();
  }

  // The reply window: a countdown while open, templates once it closes (here at zero, or when the server says).
  function updateWindow(lastInboundAt, closedByServer) {
    const box = composer();
    if (!box) return;
    let expires = box.dataset.windowExpires ? Date.parse(box.dataset.windowExpires) : NaN;
    if (lastInboundAt) expires = Date.parse(lastInboundAt) + 24 * 3600 * 1000;
    if (!Number.isNaN(expires)) box.dataset.windowExpires = new Date(expires).toISOString();
    const open = !closedByServer && !Number.isNaN(expires) && expires > serverNow();
    const wasOpen = box.dataset.windowOpen === "true";
    box.dataset.windowOpen = String(open);
    box.querySelector('.composer-modes [data-mode="reply"]').disabled = !open;
    box.querySelector("[data-window-reason]").hidden = open;
    document.getElementById("window-status").classList.toggle("is-closed", !open);
    if (wasOpen && !open && box.dataset.mode === "reply") setMode("template");
    if (!wasOpen && open && box.dataset.mode === "template") setMode("reply");
    tick();
    clearTimeout(windowTimer);
    if (open) windowTimer = setTimeout(() => updateWindow(null, false), Math.min(expires - serverNow() + 50, 2 ** 31 - 1));
  }

  function tick() {
    const box = composer();
    if (!box) return;
    const label = box.querySelector("[data-countdown]");
    const expires = Date.parse(box.dataset.windowExpires);
    if (box.dataset.windowOpen !== "true") {
      label.textContent = text.windowClosed;
      return;
    }
    const minutes = Math.floor((expires - serverNow()) / 60000);
    label.textContent = minutes < 1 ? text.underAMinute
      : minutes < 60 ? format(text.minutesLeft, { minutes })
      : format(text.hoursLeft, { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
  }

  function replyTo(id) {
    const message = document.getElementById(`message-${id}`);
    const form = document.getElementById("composer-form");
    if (!message || !form) return;
    if (composer().dataset.mode !== "reply") setMode("reply");
    form.querySelector("[data-reply-to-id]").value = id;
    const excerpt = (message.querySelector(".msg-text, .msg-choice, .msg-note, .msg-document-name")?.textContent || "").trim();
    form.querySelector("[data-reply-text]").textContent = excerpt.slice(0, 120);
    form.querySelector("[data-reply-preview]").hidden = false;
    textarea().focus();
  }

  function clearReply() {
    const form = document.getElementById("composer-form");
    if (!form) return;
    form.querySelector("[data-reply-to-id]").value = "";
    form.querySelector("[data-reply-preview]").hidden = true;
  }

  // A message as it will look, at once, until the server's own version replaces it.
  function echo(body) {
    const node = document.createElement("article");
    node.className = "msg msg-out is-pending";
    node.id = `pending-${Math.random().toString(36).slice(2)}`;
    node.dataset.at = new Date(serverNow()).toISOString();
    node.dataset.status = "pending";
    const bubble = document.createElement("div");
    bubble.className = "msg-bubble";
    const paragraph = document.createElement("p");
    paragraph.className = "msg-text";
    paragraph.textContent = body;
    const meta = document.createElement("p");
    meta.className = "msg-meta";
    meta.textContent = text.sending;
    bubble.append(paragraph, meta);
    node.append(bubble);
    const list = thread();
    list.querySelector(":scope > .thread-start")?.remove();
    list.append(node);
    scrollToBottom();
    return node;
  }

  async function submitComposer() {
    const box = composer();
    const form = document.getElementById("composer-form");
    const area = textarea();
    const body = area.value.trim();
    const mode = box.dataset.mode;
    if (!body && !pendingFile) return;
    showError("");
    closePopups();
    const data = new FormData();
    let url;
    let label = body;
    if (mode === "note") {
      url = box.dataset.noteUrl;
      data.set("text", body);
    } else if (pendingFile) {
      url = box.dataset.uploadUrl;
      data.set("file", pendingFile);
      data.set("caption", body);
      label = format(text.uploading, { name: pendingFile.name });
    } else {
      url = box.dataset.sendUrl;
      data.set("text", body);
    }
    data.set("reply_to", form.querySelector("[data-reply-to-id]").value);
    const sentFile = pendingFile;
    area.value = "";
    clearReply();
    clearFile();
    const pending = mode === "note" ? null : echo(label);
    sendsInFlight += mode === "note" ? 0 : 1;
    const restore = () => {
      if (!area.value) area.value = body; // a refusal never costs the agent their text
      if (sentFile && !pendingFile) chooseFile(sentFile);
    };
    try {
      const result = await post(url, data);
      if (!result.ok) {
        pending?.remove();
        restore();
        showError(errorMessage(result));
        return;
      }
      if (mode === "note") {
        if (result.payload && result.payload.activity_id) upsertActivity(result.payload.activity_id);
      } else {
        const node = toNode(result.payload);
        pending.remove();
        place(node);
      }
    } catch {
      pending?.remove();
      restore();
      showError(text.offline);
    } finally {
      if (mode !== "note") sendsInFlight -= 1;
      if (sendsInFlight === 0) {
        deferredOwn.forEach((id) => refreshMessage(id));
        deferredOwn.clear();
      }
    }
  }

  // Attachments: checked here against WhatsApp's rules (the server checks again).
  function fileProblem(file) {
    const rules = JSON.parse(document.getElementById("media-rules")?.textContent || "{}");
    const type = (file.type || "").split(";")[0].trim().toLowerCase();
    const rule = rules[type];
    if (!rule) return format(text.fileType, { type: type || file.name });
    if (file.size > rule.max) {
      return format(text.fileSize, { name: file.name, size: sizeText(file.size), kind: rule.kind, max: sizeText(rule.max) });
    }
    return "";
  }
  const sizeText = (bytes) => (bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

  function chooseFile(file) {
    const problem = fileProblem(file);
    if (problem) {
      showError(problem);
      return;
    }
    if (composer().dataset.mode !== "reply") setMode("reply");
    if (composer().dataset.mode !== "reply") return; // the window is closed
    showError("");
    pendingFile = file;
    const preview = document.querySelector("[data-file-preview]");
    preview.querySelector("[data-file-name]").textContent = `${file.name} (${sizeText(file.size)})`;
    preview.hidden = false;
    textarea().focus();
  }

  function clearFile() {
    pendingFile = null;
    const preview = document.querySelector("[data-file-preview]");
    if (preview) preview.hidden = true;
    const input = document.querySelector("[data-attach-input]");
    if (input) input.value = "";
  }

  // Canned responses: "/" at the start of the message, or the Canned button (or "/" anywhere else).
  let cannedIndex = 0;
  const cannedResponses = () => JSON.parse(document.getElementById("canned-responses")?.textContent || "[]");

  function cannedMatches(query) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return cannedResponses().filter((canned) => {
      const haystack = `${canned.shortcut} ${canned.title} ${canned.text}`.toLowerCase();
      return words.every((word) => haystack.includes(word));
    });
  }

  function renderCanned(query) {
    const list = document.getElementById("canned-list");
    const matches = cannedMatches(query);
    cannedIndex = Math.min(cannedIndex, Math.max(matches.length - 1, 0));
    list.replaceChildren(...matches.map((canned, index) => {
      const option = document.createElement("li");
      option.id = `canned-option-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(index === cannedIndex));
      option.dataset.index = String(index);
      const title = document.createElement("strong");
      title.textContent = `/${canned.shortcut} · ${canned.title}`;
      const body = document.createElement("span");
      body.textContent = canned.text;
      option.append(title, body);
      return option;
    }));
    if (!matches.length) {
      const none = document.createElement("li");
      none.className = "muted";
      none.textContent = text.noCanned;
      list.append(none);
    }
    const search = document.getElementById("canned-search");
    search.setAttribute("aria-activedescendant", matches.length ? `canned-option-${cannedIndex}` : "");
    textarea().setAttribute("aria-activedescendant", search.getAttribute("aria-activedescendant"));
    list.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
    return matches;
  }

  function openPopup(id, { focus = true } = {}) {
    closePopups(id);
    const popup = document.getElementById(id);
    if (!popup) return;
    popup.hidden = false;
    document.querySelector(`[data-popup="${id}"]`)?.setAttribute("aria-expanded", "true");
    if (id === "canned-popup") {
      cannedIndex = 0;
      const search = document.getElementById("canned-search");
      renderCanned(search.value);
      if (focus) search.focus();
    } else if (focus) {
      popup.querySelector("button")?.focus();
    }
  }

  function closePopups(except) {
    document.querySelectorAll(".composer .popup").forEach((popup) => {
      if (popup.id === except) return;
      popup.hidden = true;
      document.querySelector(`[data-popup="${popup.id}"]`)?.setAttribute("aria-expanded", "false");
    });
    textarea()?.removeAttribute("aria-activedescendant");
  }

  const popupOpen = (id) => document.getElementById(id)?.hidden === false;

  function insertText(value, { replaceSlash = false } = {}) {
    const area = textarea();
    if (replaceSlash && /^\/\S*$/.test(area.value)) area.value = "";
    const start = area.selectionStart ?? area.value.length;
    const end = area.selectionEnd ?? area.value.length;
    area.value = area.value.slice(0, start) + value + area.value.slice(end);
    area.selectionStart = area.selectionEnd = start + value.length;
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function chooseCanned(query) {
    const match = cannedMatches(query)[cannedIndex];
    if (!match) return;
    closePopups();
    document.getElementById("canned-search").value = "";
    insertText(match.text, { replaceSlash: true });
  }

  function moveCanned(step, query) {
    const count = cannedMatches(query).length;
    if (!count) return;
    cannedIndex = (cannedIndex + step + count) % count;
    renderCanned(query);
  }

  // The template picker: the preview shows the exact text as the values are typed.
  function templatePreview() {
    const form = document.getElementById("template-form");
    const select = form && form.querySelector("#template-choice");
    if (!select) return;
    form.querySelectorAll("fieldset[data-template]").forEach((fieldset) => {
      const chosen = fieldset.dataset.template === select.value;
      fieldset.hidden = !chosen;
      fieldset.disabled = !chosen;
    });
    const fieldset = form.querySelector(`fieldset[data-template="${select.value}"]`);
    const skeleton = JSON.parse(fieldset.querySelector('script[type="application/json"]').textContent);
    const values = {};
    fieldset.querySelectorAll("input[data-key]").forEach((input) => {
      values[input.dataset.key] = input.value.trim();
    });
    const named = fieldset.dataset.format === "NAMED";
    const preview = form.querySelector("[data-template-preview]");
    const fill = (target, source, keyOf) => {
      target.replaceChildren();
      let position = 0;
      for (const match of source.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g)) {
        target.append(source.slice(position, match.index));
        const value = values[keyOf(match[1])];
        if (value) {
          target.append(value);
        } else {
          const missing = document.createElement("mark");
          missing.className = "missing";
          missing.title = text.missing;
          missing.textContent = match[0];
          target.append(missing);
        }
        position = match.index + match[0].length;
      }
      target.append(source.slice(position));
      target.hidden = !source;
    };
    fill(preview.querySelector('[data-part="header"]'), skeleton.header || skeleton.header_media || "", (key) => (named ? key : `header.${key}`));
    fill(preview.querySelector('[data-part="body"]'), skeleton.body || "", (key) => key);
    fill(preview.querySelector('[data-part="footer"]'), skeleton.footer || "", (key) => key);
    preview.querySelector('[data-part="buttons"]').replaceChildren(...(skeleton.buttons || []).map((label) => {
      const button = document.createElement("div");
      button.className = "bubble-button";
      button.textContent = label;
      return button;
    }));
  }

  async function submitTemplate(form) {
    showError("");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    sendsInFlight += 1;
    try {
      const result = await post(form.action, new FormData(form));
      if (result.ok) place(toNode(result.payload));
      else showError(errorMessage(result));
    } catch {
      showError(text.offline);
    } finally {
      button.disabled = false;
      sendsInFlight -= 1;
      if (sendsInFlight === 0) {
        deferredOwn.forEach((id) => refreshMessage(id));
        deferredOwn.clear();
      }
    }
  }

  // Composer events are delegated: the composer is replaced when another conversation opens.
  document.addEventListener("click", (click) => {
    const target = click.target;
    const mode = target.closest(".composer-modes [data-mode]");
    if (mode) setMode(mode.dataset.mode, { focus: true });
    const toggle = target.closest("[data-popup]");
    if (toggle) popupOpen(toggle.dataset.popup) ? closePopups() : openPopup(toggle.dataset.popup);
    const emoji = target.closest("[data-emoji]");
    if (emoji) insertText(emoji.dataset.emoji);
    const option = target.closest("#canned-list [role=option]");
    if (option) {
      cannedIndex = Number(option.dataset.index);
      chooseCanned(document.getElementById("canned-search").value);
    }
    if (target.closest("[data-attach]")) document.querySelector("[data-attach-input]")?.click();
    if (target.closest("[data-cancel-reply]")) clearReply();
    if (target.closest("[data-cancel-file]")) clearFile();
    if (!target.closest(".popup, [data-popup]")) closePopups();
  });

  document.addEventListener("change", (change) => {
    if (change.target.matches("[data-attach-input]") && change.target.files[0]) chooseFile(change.target.files[0]);
    if (change.target.id === "template-choice") templatePreview();
  });

  document.addEventListener("input", (input) => {
    if (input.target.closest("#template-form")) templatePreview();
    if (input.target.id === "canned-search") {
      cannedIndex = 0;
      renderCanned(input.target.value);
    }
    if (input.target.id === "composer-text") {
      const slash = /^\/(\S*)$/.exec(input.target.value);
      if (slash && composer().dataset.mode !== "template" && cannedResponses().length) {
        if (!popupOpen("canned-popup")) openPopup("canned-popup", { focus: false });
        document.getElementById("canned-search").value = slash[1];
        renderCanned(slash[1]);
      } else if (popupOpen("canned-popup") && document.activeElement === input.target) {
        closePopups();
      }
    }
  });

  document.addEventListener("submit", (submit) => {
    if (submit.target.id === "composer-form") {
      submit.preventDefault();
      submitComposer();
    } else if (submit.target.id === "template-form") {
      submit.preventDefault();
      submitTemplate(submit.target);
    }
  });

  document.addEventListener("keydown", (key) => {
    const target = key.target;
    if (target.id === "composer-text") {
      if (popupOpen("canned-popup")) {
        const query = document.getElementById("canned-search").value;
        if (key.key === "ArrowDown" || key.key === "ArrowUp") {
          key.preventDefault();
          moveCanned(key.key === "ArrowDown" ? 1 : -1, query);
          return;
        }
        if ((key.key === "Enter" || key.key === "Tab") && cannedMatches(query).length) {
          key.preventDefault();
          chooseCanned(query);
          return;
        }
      }
      if (key.key === "Enter" && !key.shiftKey && !key.isComposing) {
        key.preventDefault();
        submitComposer();
      }
    } else if (target.id === "canned-search") {
      if (key.key === "ArrowDown" || key.key === "ArrowUp") {
        key.preventDefault();
        moveCanned(key.key === "ArrowDown" ? 1 : -1, target.value);
      } else if (key.key === "Enter") {
        key.preventDefault();
        chooseCanned(target.value);
      }
    }
  });

  // Drag and drop a file anywhere on the open conversation.
  let dragDepth = 0;
  const dropZone = () => document.querySelector("[data-drop-zone]");
  const carriesFiles = (drag) => [...(drag.dataTransfer?.types || [])].includes("Files");
  document.addEventListener("dragenter", (drag) => {
    if (!carriesFiles(drag) || !drag.target.closest?.("#thread-pane") || !composer()) return;
    dragDepth += 1;
    dropZone().hidden = false;
  });
  document.addEventListener("dragleave", (drag) => {
    if (!carriesFiles(drag) || !dropZone()) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (!dragDepth) dropZone().hidden = true;
  });
  document.addEventListener("dragover", (drag) => {
    if (carriesFiles(drag) && drag.target.closest?.("#thread-pane")) drag.preventDefault();
  });
  document.addEventListener("drop", (drop) => {
    if (!carriesFiles(drop)) return;
    drop.preventDefault();
    dragDepth = 0;
    if (dropZone()) dropZone().hidden = true;
    const file = drop.dataTransfer.files[0];
    if (file && drop.target.closest?.("#thread-pane") && composer()) chooseFile(file);
  });

  /* ------------------------------------------------------------------ navigation */

  function show(view) {
    root.dataset.view = view;
  }

  function markCurrentRow() {
    const id = conversationId();
    document.querySelectorAll("#conversation-list > li[data-conversation-id]").forEach((row) => {
      if (Number(row.dataset.conversationId) === id) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
  }

  function initThread() {
    const list = thread();
    offerNotifications();
    markCurrentRow();
    if (!list) return;
    enhance(list);
    markDays();
    scrollToBottom();
    observeOlder();
    updateWindow(null, false);
    setMode(composer().dataset.mode);
    templatePreview();
    clearInterval(minuteTimer);
    minuteTimer = setInterval(tick, 60000);
  }

  // Another conversation opens in place: the list stays as it is, the thread and panel are swapped.
  async function openConversation(url, { push = false, focus = false } = {}) {
    const previous = conversationId();
    let response;
    try {
      response = await fetch(url, { headers: { "X-Relay-Fragment": "panes" }, credentials: "same-origin" });
    } catch {
      location.assign(url);
      return;
    }
    if (!response.ok || response.redirected) {
      location.assign(url);
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const incoming = page.getElementById("inbox");
    if (!incoming) {
      location.assign(url);
      return;
    }
    document.getElementById("thread-pane").replaceChildren(...page.getElementById("thread-pane").childNodes);
    document.getElementById("panel-pane").replaceChildren(...page.getElementById("panel-pane").childNodes);
    root.dataset.conversationId = incoming.dataset.conversationId;
    document.title = unseen ? `(${unseen}) ${page.title}` : page.title;
    if (push) history.pushState({ conversation: incoming.dataset.conversationId }, "", url);
    if (window.htmx) window.htmx.process(document.getElementById("panel-pane"));
    pendingFile = null;
    show(incoming.dataset.conversationId ? "thread" : "list");
    initThread();
    // What happened while the panes were on their way is in them, or is applied now.
    const renderedSeq = Number(incoming.dataset.lastSeq) || 0;
    recent.filter((event) => event.seq > renderedSeq).forEach((event) => apply(event, { replay: true }));
    document.dispatchEvent(new CustomEvent("relay:conversation", {
      detail: { previous, conversationId: conversationId() },
    }));
    if (focus && !phone.matches) textarea()?.focus();
  }

  const conversationLink = new RegExp(`^${baseUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(\\d+)/$`);

  document.addEventListener("click", (click) => {
    const link = click.target.closest("a[href]");
    const showButton = click.target.closest("[data-show]");
    if (showButton && (phone.matches || showButton.dataset.show !== "list")) {
      click.preventDefault();
      show(showButton.dataset.show);
      if (showButton.dataset.show === "list") {
        document.querySelector('#conversation-list > li[aria-current="true"] a')?.focus();
      }
      return;
    }
    if (!link || click.defaultPrevented || click.button !== 0 || click.metaKey || click.ctrlKey || click.shiftKey) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !conversationLink.test(url.pathname) || link.closest("#thread")) return;
    click.preventDefault();
    openConversation(url.pathname + url.search, { push: true, focus: true });
  });

  window.addEventListener("popstate", () => {
    if (conversationLink.test(location.pathname) || location.pathname === baseUrl) {
      openConversation(location.pathname + location.search);
    }
  });

  // Keys: j/k (or arrows in the list) move, Enter opens, Escape goes back, "/" finds a canned response.
  const typing = (element) => element.closest("input, textarea, select, [contenteditable=true]");
  const rows = () => [...document.querySelectorAll("#conversation-list > li[data-conversation-id]")];

  function moveInList(step) {
    const all = rows();
    if (!all.length) return;
    const current = all.findIndex((row) => row.contains(document.activeElement));
    const from = current >= 0 ? current : all.findIndex((row) => row.getAttribute("aria-current") === "true");
    const next = all[Math.min(all.length - 1, Math.max(0, from + step))] || all[0];
    if (phone.matches) show("list");
    (next.querySelector("a[href]") || next).focus();
    next.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", (key) => {
    if (key.defaultPrevented || key.altKey || key.ctrlKey || key.metaKey) return;
    if (key.key === "Escape") {
      if (viewer?.open) return; // the dialog closes itself
      if (document.querySelector(".composer .popup:not([hidden])")) {
        closePopups();
        textarea()?.focus();
      } else if (typing(key.target)) {
        key.target.blur();
        thread()?.focus();
      } else if (phone.matches && root.dataset.view === "panel") {
        show("thread");
      } else if (conversationId()) {
        show("list");
        (document.querySelector('#conversation-list > li[aria-current="true"] a') || rows()[0])?.focus();
      }
      return;
    }
    if (typing(key.target)) return;
    const inList = key.target.closest?.("#list-pane");
    if (key.key === "j" || (inList && key.key === "ArrowDown")) {
      key.preventDefault();
      moveInList(1);
    } else if (key.key === "k" || (inList && key.key === "ArrowUp")) {
      key.preventDefault();
      moveInList(-1);
    } else if (key.key === "/" && composer()) {
      key.preventDefault();
      if (composer().dataset.mode === "template") setMode(composer().dataset.windowOpen === "true" ? "reply" : "note");
      openPopup("canned-popup");
    }
  });

  window.relayInbox = {
    send,
    get conversationId() {
      return conversationId();
    },
    slug,
    get lastSeq() {
      return lastSeq;
    },
    get connected() {
      return Boolean(socket && socket.readyState === WebSocket.OPEN);
    },
  };

  initThread();
  connect();
})();
