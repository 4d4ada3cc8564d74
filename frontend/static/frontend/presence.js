/* Relay: the collision notice. Tells colleagues that this agent is viewing or typing in the open
 * conversation, and shows theirs in #presence-notice ("Sam is viewing", "Kim is typing…").
 *
 * Sent over inbox.js's WebSocket (window.relayInbox.send): {"action": "presence", "conversation": id,
 * "state": "viewing" | "typing" | "left"}. Presence is only true now: this script repeats it every
 * few seconds while the tab is visible, and forgets a colleague it has not heard from for 10 s.
 * Colleagues' presence arrives as "relay:event" DOM events of type "presence".
 */
(function () {
  "use strict";

  var HEARTBEAT_MS = 4000;
  var EXPIRES_MS = 10000;
  var TYPING_EVERY_MS = 3000;
  var WORDS = {
    en: { viewing: "{names} is viewing", viewingMany: "{names} are viewing", typing: "{names} is typing…", typingMany: "{names} are typing…", and: " and " },
    fr: { viewing: "{names} consulte cette conversation", viewingMany: "{names} consultent cette conversation", typing: "{names} écrit…", typingMany: "{names} écrivent…", and: " et " },
    de: { viewing: "{names} sieht sich das an", viewingMany: "{names} sehen sich das an", typing: "{names} schreibt…", typingMany: "{names} schreiben…", and: " und " },
  };
  var words = WORDS[(document.documentElement.lang || "en").slice(0, 2)] || WORDS.en;

  var current = null; // the conversation this tab says it is in
  var lastTypingSent = 0;
  var colleagues = new Map(); // user id → {name, state, expiresAt}

  function inbox() {
    return window.relayInbox || null;
  }

  function openConversation() {
    var relay = inbox();
    var id = relay && relay.conversationId;
    return id ? Number(id) : null;
  }

  function send(conversation, state) {
    var relay = inbox();
    if (relay && conversation) {
      relay.send({ action: "presence", conversation: conversation, state: state });
    }
  }

  // Follow the open conversation: leave the previous one, forget who was there.
  function sync(state) {
    var open = document.visibilityState === "visible" ? openConversation() : null;
    if (open !== current) {
      if (current) send(current, "left");
      current = open;
      colleagues.clear();
      render();
    }
    if (current) send(current, state || "viewing");
  }

  function names(list) {
    if (list.length <= 1) return list.join("");
    return list.slice(0, -1).join(", ") + words.and + list[list.length - 1];
  }

  function sentence(list, one, many) {
    return (list.length > 1 ? many : one).replace("{names}", names(list));
  }

  function render() {
    var notice = document.getElementById("presence-notice");
    if (!notice) return;
    var now = Date.now();
    var typing = [];
    var viewing = [];
    colleagues.forEach(function (colleague, userId) {
      if (colleague.expiresAt <= now) {
        colleagues.delete(userId);
      } else if (colleague.state === "typing") {
        typing.push(colleague.name);
      } else {
        viewing.push(colleague.name);
      }
    });
    var parts = [];
    if (typing.length) parts.push(sentence(typing, words.typing, words.typingMany));
    if (viewing.length) parts.push(sentence(viewing, words.viewing, words.viewingMany));
    var text = parts.join(" · ");
    if (notice.textContent !== text) notice.textContent = text;
  }

  document.addEventListener("relay:event", function (event) {
    var presence = event.detail;
    if (!presence || presence.type !== "presence" || presence.conversation_id !== current) return;
    if (presence.state === "left") {
      colleagues.delete(presence.user_id);
    } else {
      colleagues.set(presence.user_id, {
        name: presence.name,
        state: presence.state,
        expiresAt: Date.now() + EXPIRES_MS,
      });
    }
    render();
  });

  document.addEventListener("input", function (event) {
    if (!event.target || event.target.id !== "composer-text" || !current) return;
    var now = Date.now();
    if (now - lastTypingSent >= TYPING_EVERY_MS) {
      lastTypingSent = now;
      send(current, "typing");
    }
  });

  document.addEventListener("visibilitychange", function () {
    sync("viewing");
  });
  window.addEventListener("pagehide", function () {
    if (current) send(current, "left");
    current = null;
  });

  // Typing stopped: the next heartbeat says "viewing" again, which replaces "typing" over there.
  setInterval(function () {
    sync(Date.now() - lastTypingSent < TYPING_EVERY_MS ? "typing" : "viewing");
  }, HEARTBEAT_MS);
  setInterval(render, 1000);
  sync("viewing");
})();
