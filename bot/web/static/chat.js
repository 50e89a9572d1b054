// Web chat: sends the citizen's text to /api/chat and shows the bot's replies.
// Text is always inserted with textContent (never innerHTML): nothing a message contains can run.
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");

  function add(cls, text) {
    const div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function showButtons(buttons) {
    if (!buttons || !buttons.length) return;
    const row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (b) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", function () { row.remove(); send(b.payload, b.title); });
      row.appendChild(btn);
    });
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  // While a person is answering (live help), poll for their messages.
  let lastUpdate = 0;
  let polling = null;

  async function poll() {
    try {
      const res = await fetch("/api/chat/updates?after=" + lastUpdate);
      const data = await res.json();
      (data.messages || []).forEach(function (m) {
        lastUpdate = Math.max(lastUpdate, m.id);
        add("bot officer", (m.author ? m.author + ": " : "") + m.text);
      });
      if (!data.handover) stopPolling();
    } catch (e) { /* the next tick retries */ }
  }

  function startPolling() { if (!polling) polling = setInterval(poll, 4000); }
  function stopPolling() { if (polling) { clearInterval(polling); polling = null; } }

  async function send(payload, shown) {
    add("user", shown || payload);
    const waiting = add("bot", "…");
    try {
      const res = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: payload }),
      });
      const data = await res.json();
      waiting.remove();
      const messages = data.messages || [];
      if (data.handover) startPolling();
      if (!messages.length) add("bot", "Xin lỗi, tôi chưa có câu trả lời. Bạn thử hỏi cách khác nhé.");
      messages.forEach(function (m) {
        if (m.text) add(res.ok ? "bot" : "error", m.text);
        if (m.image) {
          const div = add("bot", "");
          const img = document.createElement("img");
          img.src = m.image; img.alt = "Ảnh";
          div.appendChild(img);
        }
        showButtons(m.buttons);
      });
    } catch (e) {
      waiting.remove();
      add("error", "Không gửi được tin nhắn. Hãy kiểm tra kết nối mạng rồi gửi lại.");
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
})();
