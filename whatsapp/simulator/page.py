"""`GET /`: one small page where a newcomer plays the customer: writes to the business, and sees
the business's answers with their ticks, in a conversation per customer number."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WhatsApp simulator: the customer's phone</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
  h1 { font-size: 1.4rem; margin-bottom: .25rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
  p.lead { color: #57606a; margin-top: 0; }
  label { display: block; margin-top: .9rem; font-weight: 600; font-size: .9rem; }
  input, textarea { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit;
                    border: 1px solid #d0d7de; border-radius: 6px; }
  button { margin-top: 1rem; padding: .55rem 1.2rem; font: inherit; font-weight: 600; color: #fff;
           background: #1a7f37; border: 0; border-radius: 6px; cursor: pointer; }
  button:disabled { opacity: .6; }
  #chat { background: #efeae2; border-radius: 8px; padding: .75rem; min-height: 8rem; display: flex;
          flex-direction: column; gap: .4rem; }
  .bubble { max-width: 80%; padding: .4rem .6rem; border-radius: 8px; white-space: pre-wrap;
            word-break: break-word; box-shadow: 0 1px 1px rgba(0,0,0,.1); }
  .inbound { align-self: flex-end; background: #d9fdd3; }
  .outbound { align-self: flex-start; background: #fff; }
  .meta { display: block; text-align: right; font-size: .75rem; color: #667781; }
  .ticks-read { color: #53bdeb; }
  .failed { color: #cf222e; }
  .choice { margin: .3rem .3rem 0 0; padding: .3rem .7rem; font-size: .9rem; color: #027eb5;
            background: #fff; border: 1px solid #d0d7de; }
  .empty, #typing, #status { color: #667781; font-size: .9rem; }
</style>
</head>
<body>
<h1>The customer's phone</h1>
<p class="lead">Write to a business number as a customer would. The simulator signs the
webhook and delivers it to the product, just as WhatsApp does; the business's answers
appear below with their ticks.</p>
<form id="send">
  <label for="phone_number_id">Business phone number id</label>
  <input id="phone_number_id" name="phone_number_id" required autocomplete="off">
  <label for="from">Your WhatsApp number (digits only)</label>
  <input id="from" name="from" required pattern="[0-9]+" value="16505551234" inputmode="numeric">
  <label for="name">Your name</label>
  <input id="name" name="name" value="Sheena Nelson">
  <h2>Conversation</h2>
  <div id="chat" aria-live="polite"><span class="empty">No messages yet.</span></div>
  <p id="typing" hidden>The business is typing…</p>
  <label for="text">Message</label>
  <textarea id="text" name="text" rows="3" required>Hi! Does it come in another color?</textarea>
  <button type="submit">Send</button>
  <p id="status" role="status"></p>
</form>
<script>
  const form = document.getElementById("send");
  const chat = document.getElementById("chat");
  const statusLine = document.getElementById("status");
  const saved = localStorage.getItem("simulator.phone_number_id");
  if (saved) form.phone_number_id.value = saved;
  const TICKS = {accepted: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓"};

  async function deliver(message) {
    const body = {
      phone_number_id: form.phone_number_id.value.trim(),
      from: form.from.value.trim(),
      name: form.name.value.trim(),
      message: message,
    };
    localStorage.setItem("simulator.phone_number_id", body.phone_number_id);
    try {
      const response = await fetch("/_sim/inbound", {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (!response.ok) {
        statusLine.textContent = "Not sent: " + answer.error.message;
        return false;
      }
      statusLine.textContent = answer.webhook_status === 200
        ? "Delivered to the product."
        : "Sent, but the product did not accept the webhook (status " + answer.webhook_status + ").";
      refresh();
      return true;
    } catch (error) {
      statusLine.textContent = "The simulator did not answer: " + error;
      return false;
    }
  }

  function bubble(item) {
    const div = document.createElement("div");
    div.className = "bubble " + item.direction;
    div.append(item.preview.text || "[" + item.type + "]");
    const meta = document.createElement("span");
    meta.className = "meta";
    const time = new Date(item.created_at * 1000).toLocaleTimeString([], {hour: "2-digit", minute: "2-digit"});
    if (item.direction === "outbound") {
      if (item.status === "failed") {
        const failure = item.statuses.find((s) => s.status === "failed");
        const error = failure ? failure.payload.errors[0] : {};
        meta.className += " failed";
        meta.textContent = time + " · not delivered: " + (error.title || "failed") + " (" + error.code + ")";
      } else {
        const ticks = document.createElement("span");
        ticks.textContent = TICKS[item.status] || "";
        if (item.status === "read") ticks.className = "ticks-read";
        meta.append(time + " ", ticks);
      }
      for (const choice of item.preview.choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = choice.label;
        button.addEventListener("click", () => deliver(choice.message));
        div.append(document.createElement("br"), button);
      }
    } else {
      meta.textContent = time + (item.read ? " · read by the business" : "");
    }
    div.append(meta);
    return div;
  }

  async function refresh() {
    const phoneNumberId = form.phone_number_id.value.trim();
    const waId = form.from.value.trim();
    if (!phoneNumberId || !waId) return;
    const query = new URLSearchParams({phone_number_id: phoneNumberId, wa_id: waId});
    try {
      const response = await fetch("/_sim/messages?direction=all&" + query);
      const answer = await response.json();
      chat.replaceChildren(...answer.data.map(bubble));
      if (!answer.data.length) chat.innerHTML = '<span class="empty">No messages yet.</span>';
      document.getElementById("typing").hidden = !answer.typing;
    } catch (error) {
      statusLine.textContent = "The simulator did not answer: " + error;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    if (await deliver({type: "text", text: {body: form.text.value}})) form.text.value = "";
    button.disabled = false;
  });
  form.phone_number_id.addEventListener("change", refresh);
  form.from.addEventListener("change", refresh);
  refresh();
  setInterval(refresh, 2000);
</script>
</body>
</html>
"""


async def customer_page(request: Request) -> Response:
    return HTMLResponse(PAGE)
