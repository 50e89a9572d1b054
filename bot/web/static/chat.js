// Web chat: posts the citizen's text to /api/chat and shows the replies the server holds for this
// chat, in order. Each reply has an id; the page remembers the last one shown (its cursor), so a
// reply fetched twice (by the POST and by a poll) is shown once. While an answer is owed or an
// officer is answering, the page polls /api/chat/updates.
// Text is always inserted with textContent (never innerHTML): nothing a message contains can run.
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const assistToggle = document.getElementById("assist-toggle");
  const assistForm = document.getElementById("assist-form");
  const assistCode = document.getElementById("assist-code");
  const assistCitizen = document.getElementById("assist-citizen");
  const assistBar = document.getElementById("assist-bar");
  const assistSession = document.getElementById("assist-session");

  let cursor = -1; // the id of the last reply shown; -1 until the server has said where to start
  let inFlight = 0; // messages posted whose response has not come back
  let pending = false; // the server still owes an answer (Rasa slow or down)
  let handover = false; // an officer answers in this chat
  let timer = null;

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

  // Shows the messages not shown yet; returns how many.
  function show(messages, failed) {
    let shown = 0;
    messages.forEach(function (m) {
      if (m.id) {
        if (m.id <= cursor) return;
        cursor = m.id;
      }
      shown++;
      if (m.image) {
        const div = add("bot", "");
        const img = document.createElement("img");
        img.src = m.image; img.alt = "Ảnh";
        div.appendChild(img);
      }
      if (m.text) add(failed ? "error" : m.officer ? "bot officer" : "bot", m.text);
      showButtons(m.buttons);
    });
    return shown;
  }

  // Takes the chat's state from a full answer (a refused request's error has none).
  function follow(data) {
    if (typeof data.cursor !== "number") return;
    cursor = Math.max(cursor, data.cursor);
    pending = !!data.pending;
    handover = !!data.handover;
    assistBar.hidden = !data.assisted;
    assistSession.textContent = data.assisted || "";
    if (data.assisted) { assistForm.hidden = true; assistToggle.hidden = true; }
    else { assistToggle.hidden = false; }
  }

  function schedule() {
    if (timer || !(inFlight || pending || handover)) return;
    timer = setTimeout(tick, inFlight || pending ? 1500 : 4000);
  }

  async function tick() {
    timer = null;
    await poll();
    schedule();
  }

  async function poll() {
    try {
      const res = await fetch("/api/chat/updates" + (cursor >= 0 ? "?after=" + cursor : ""));
      const data = await res.json();
      show(data.messages || [], false);
      follow(data);
    } catch (e) { /* the next tick retries */ }
  }

  function newId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  async function send(payload, shown) {
    add("user", shown || payload);
    const waiting = add("bot", "…");
    inFlight++;
    schedule();
    try {
      const res = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: payload, id: newId(), after: cursor }),
      });
      const data = await res.json();
      waiting.remove();
      const count = show(data.messages || [], !res.ok);
      follow(data);
      if (!count && !data.pending && !data.handover) {
        add("bot", "Xin lỗi, tôi chưa có câu trả lời. Bạn thử hỏi cách khác nhé.");
      }
    } catch (e) {
      waiting.remove();
      add("error", "Không gửi được tin nhắn. Hãy kiểm tra kết nối mạng rồi gửi lại.");
    } finally {
      inFlight--;
      schedule();
    }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  // Assisted mode: a community helper opens a session with their code; the code is sent, never shown.
  assistToggle.addEventListener("click", function () {
    assistForm.hidden = !assistForm.hidden;
    assistToggle.setAttribute("aria-expanded", String(!assistForm.hidden));
    if (!assistForm.hidden) assistCode.focus();
  });

  assistForm.addEventListener("submit", function (e) {
    e.preventDefault();
    const code = assistCode.value.trim();
    const citizen = assistCitizen.value.trim();
    if (!code) return;
    assistCode.value = "";
    assistCitizen.value = "";
    assistForm.hidden = true;
    assistToggle.setAttribute("aria-expanded", "false");
    send("/hotro " + code + (citizen ? " " + citizen : ""),
         "Bắt đầu phiên hỗ trợ" + (citizen ? " cho " + citizen : ""));
  });

  document.getElementById("assist-end").addEventListener("click", function () {
    send("/xong", "Kết thúc phiên hỗ trợ");
  });

  // A reloaded page picks up what came while it was closed: an officer's answer, an open session.
  poll().then(schedule);
})();
