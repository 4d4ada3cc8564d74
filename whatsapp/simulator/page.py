"""`GET /`: one small page where a newcomer plays the customer and writes to the business."""

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
  p.lead { color: #57606a; margin-top: 0; }
  label { display: block; margin-top: .9rem; font-weight: 600; font-size: .9rem; }
  input, textarea { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit;
                    border: 1px solid #d0d7de; border-radius: 6px; }
  button { margin-top: 1rem; padding: .55rem 1.2rem; font: inherit; font-weight: 600; color: #fff;
           background: #1a7f37; border: 0; border-radius: 6px; cursor: pointer; }
  button:disabled { opacity: .6; }
  pre { background: #f6f8fa; padding: .75rem; border-radius: 6px; white-space: pre-wrap; word-break: break-all; }
</style>
</head>
<body>
<h1>The customer's phone</h1>
<p class="lead">Write to a business number as a customer would. The simulator signs the
webhook and delivers it to the product, just as WhatsApp does.</p>
<form id="send">
  <label for="phone_number_id">Business phone number id</label>
  <input id="phone_number_id" name="phone_number_id" required autocomplete="off">
  <label for="from">Your WhatsApp number (digits only)</label>
  <input id="from" name="from" required pattern="[0-9]+" value="16505551234" inputmode="numeric">
  <label for="name">Your name</label>
  <input id="name" name="name" value="Sheena Nelson">
  <label for="text">Message</label>
  <textarea id="text" name="text" rows="3" required>Hi! Does it come in another color?</textarea>
  <button type="submit">Send</button>
</form>
<h2 hidden id="result-title">Result</h2>
<pre hidden id="result"></pre>
<script>
  const form = document.getElementById("send");
  const result = document.getElementById("result");
  const saved = localStorage.getItem("simulator.phone_number_id");
  if (saved) form.phone_number_id.value = saved;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    localStorage.setItem("simulator.phone_number_id", form.phone_number_id.value);
    const body = {
      phone_number_id: form.phone_number_id.value.trim(),
      from: form.from.value.trim(),
      name: form.name.value.trim(),
      message: {type: "text", text: {body: form.text.value}},
    };
    try {
      const response = await fetch("/_sim/inbound", {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
      });
      const answer = await response.json();
      const delivered = answer.webhook_status === 200;
      const summary = delivered ? "Delivered. " : "Sent, but the product did not accept it. ";
      result.textContent = (response.ok ? summary : "") + JSON.stringify(answer, null, 2);
      if (response.ok && delivered) form.text.value = "";
    } catch (error) {
      result.textContent = "The simulator did not answer: " + error;
    } finally {
      result.hidden = false;
      document.getElementById("result-title").hidden = false;
      button.disabled = false;
    }
  });
</script>
</body>
</html>
"""


async def customer_page(request: Request) -> Response:
    return HTMLResponse(PAGE)
