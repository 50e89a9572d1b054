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
  const notice = document.getElementById("notice");

  let cursor = -1; // the id of the last reply shown; -1 until the server has said where to start
  let inFlight = 0; // messages posted whose response has not come back
  let pending = false; // the server still owes an answer (Rasa slow or down)
  let handover = false; // an officer answers in this chat
  let assisted = false; // a helper's session, often on a shared laptop: nothing kept in storage
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
    if (!!data.assisted !== assisted) { assisted = !!data.assisted; keep(); }
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

  // ---- sending: one message at a time, in order, each kept until the server has taken it ------
  // A message the server did not take (429, 503, another 5xx, no network) stays on screen marked
  // as waiting, and is sent again, with the same id, after the server's Retry-After (else after a
  // growing pause): the server recognises the id, so a resend after a lost answer is answered once.
  // Unsent messages are kept in localStorage, so a reload or a closed tab does not lose them
  // (never a helper's code, nor anything typed in an assisted session: a citizen's details must
  // not stay on a helper's shared laptop; those are kept in memory only, while the page is open).

  const UNSENT = "motcua-chat-unsent";
  const WAIT = {
    fast: "Bạn gửi nhanh quá. Tin nhắn của bạn vẫn được giữ và sẽ tự gửi lại sau {s} giây.",
    busy: "Hệ thống đang quá tải. Tin nhắn của bạn vẫn được giữ và sẽ tự gửi lại sau {s} giây.",
    offline: "Chưa gửi được vì mất kết nối. Tin nhắn của bạn vẫn được giữ và sẽ tự gửi lại "
      + "sau {s} giây.",
  };
  const outgoing = []; // {id, payload, shown, secret, memoryOnly, bubble}: the oldest first
  let sending = false;
  let failures = 0; // refusals in a row, for the pause when the server names none
  let retry = null; // {timer, ticker, kind} while waiting to send again

  function keep() {
    try {
      const kept = assisted ? [] : outgoing.filter(function (m) { return !m.memoryOnly; })
        .map(function (m) { return { id: m.id, payload: m.payload, shown: m.shown }; });
      if (kept.length) localStorage.setItem(UNSENT, JSON.stringify(kept));
      else localStorage.removeItem(UNSENT);
    } catch (e) { /* storage off: the message is still kept while the page is open */ }
  }

  function kept() {
    try {
      const list = JSON.parse(localStorage.getItem(UNSENT) || "[]");
      return Array.isArray(list) ? list.filter(function (m) {
        return m && typeof m.id === "string" && typeof m.payload === "string";
      }) : [];
    } catch (e) { return []; }
  }

  function queueMessage(entry) {
    entry.memoryOnly = entry.secret || assisted;
    entry.bubble = add("user pending", entry.shown);
    outgoing.push(entry);
    keep();
    pump();
  }

  function send(payload, shown, secret) {
    queueMessage({ id: newId(), payload: payload, shown: shown || payload, secret: !!secret });
  }

  // Seconds to wait: the server's Retry-After (header, else nginx's JSON), else 2, 4, 8… up to 60.
  function pause(res, data) {
    const named = Number(res && res.headers.get("Retry-After")) || Number(data && data.retry_after);
    if (named > 0) return Math.min(named, 300);
    return Math.min(60, 2 * Math.pow(2, failures - 1));
  }

  function waitThenSend(kind, seconds) {
    const due = Date.now() + seconds * 1000 * (1 + Math.random() * 0.1); // spread the resends
    function tell() {
      const left = Math.max(1, Math.ceil((due - Date.now()) / 1000));
      notice.textContent = WAIT[kind].replace("{s}", left);
    }
    tell();
    notice.hidden = false;
    retry = { kind: kind, ticker: setInterval(tell, 1000),
              timer: setTimeout(sendNow, due - Date.now()) };
  }

  function sendNow() {
    if (retry) { clearTimeout(retry.timer); clearInterval(retry.ticker); retry = null; }
    pump();
  }

  function taken(entry) {
    outgoing.shift();
    keep();
    entry.bubble.classList.remove("pending");
    failures = 0;
    notice.hidden = true;
  }

  async function pump() {
    if (sending || retry || !outgoing.length) return;
    sending = true;
    const entry = outgoing[0];
    const waiting = add("bot", "…");
    inFlight++;
    schedule();
    let res = null;
    let data = {};
    try {
      res = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ message: entry.payload, id: entry.id, after: cursor }),
      });
      try { data = await res.json(); } catch (e) { data = {}; } // a proxy's HTML error page
    } catch (e) {
      res = null; // no answer: the network, or the server went away
    } finally {
      waiting.remove();
      inFlight--;
      sending = false;
    }
    if (res && res.status !== 429 && res.status < 500) {
      taken(entry); // answered, or refused for good (too long, malformed): said in the chat
      const count = show(data.messages || [], !res.ok);
      follow(data);
      if (res.ok && !count && !data.pending && !data.handover && !data.duplicate) {
        add("bot", "Xin lỗi, tôi chưa có câu trả lời. Bạn thử hỏi cách khác nhé.");
      }
      pump();
    } else {
      failures++;
      if (res) {
        // Replies that came meanwhile (they have ids) are shown; the refusal itself is the notice.
        show((data.messages || []).filter(function (m) { return m.id; }), false);
        follow(data);
      }
      waitThenSend(!res ? "offline" : res.status === 429 ? "fast" : "busy", pause(res, data));
    }
    schedule();
  }

  window.addEventListener("online", function () {
    if (retry && retry.kind === "offline") sendNow(); // back online: no need to wait
  });

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
         "Bắt đầu phiên hỗ trợ" + (citizen ? " cho " + citizen : ""), true);
  });

  document.getElementById("assist-end").addEventListener("click", function () {
    send("/xong", "Kết thúc phiên hỗ trợ");
  });

  // A reloaded page picks up what came while it was closed (an officer's answer, an open session),
  // then sends what was typed and not yet taken.
  poll().then(function () {
    kept().forEach(function (m) {
      queueMessage({ id: m.id, payload: m.payload, shown: m.shown || m.payload, secret: false });
    });
    schedule();
  });
})();
