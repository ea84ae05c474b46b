// The pages' only script: no inline code, nothing from other sites (see the CSP in bot/web/common.py).
"use strict";

// --- SMS cost, the same arithmetic as bot/conversation/sms.py (tests compare the two) ---------------------------
const GSM7_BASIC = new Set(Array.from(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"));
const GSM7_EXTENDED = new Set(Array.from("^{}\\[~]|€\f"));
const TYPOGRAPHIC = {
  "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u02bb": "'",
  "\u00b4": "'", "`": "'", "\u2032": "'",
  "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
  "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
  "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ",
  "\u2022": "-", "\u00b7": "-", "\t": " ",
};

// Spanish vowels outside GSM-7, folded when the script says so (sms.fold_accents), as bot/conversation/sms.py does.
const ACCENTS = Object.fromEntries(Array.from("áíóúÁÍÓÚâêîôûÂÊÎÔÛ").map((ch, i) => [ch, "aiouAIOUaeiouAEIOU"[i]]));

function smsSafe(text, foldAccents = false) {
  // What the server sends as SMS: typographic punctuation made GSM-7; accents kept unless folded
  // (a volunteer's reply keeps them; the script's texts fold them when the script says so).
  const safe = Array.from(text.normalize("NFC"), (ch) => TYPOGRAPHIC[ch] ?? ch).join("");
  return foldAccents ? Array.from(safe, (ch) => ACCENTS[ch] ?? ch).join("") : safe;
}

function segments(text) {
  const chars = Array.from(text);
  const gsm = chars.every((ch) => GSM7_BASIC.has(ch) || GSM7_EXTENDED.has(ch));
  const units = chars.map((ch) => gsm ? (GSM7_EXTENDED.has(ch) ? 2 : 1) : (ch.codePointAt(0) > 0xFFFF ? 2 : 1));
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  const total = units.reduce((a, b) => a + b, 0);
  if (total <= single) return [gsm ? "GSM-7" : "UCS-2", total ? 1 : 0];
  let count = 1, used = 0;
  for (const unit of units) {
    if (used + unit > multi) { count += 1; used = 0; }
    used += unit;
  }
  return [gsm ? "GSM-7" : "UCS-2", count];
}
window.helplineSms = { smsSafe, segments };

function fill(template, values) {
  // Placeholders are {name}: Jinja's gettext would try to fill %(name)s itself.
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
}

function showCost(box, out) {
  const channel = box.dataset.channel;
  let text = box.value.replace(/\r\n/g, "\n").trim();
  if (channel === "whatsapp") {
    out.textContent = fill(out.dataset.whatsapp, { chars: Array.from(text).length });
    return;
  }
  text = smsSafe(text, box.dataset.fold === "1");
  const [enc, n] = segments(text);
  const words = n === 1 && out.dataset.smsOne ? out.dataset.smsOne : out.dataset.sms;
  out.textContent = fill(words, { n, enc, chars: Array.from(text).length });
}

// --- Refreshing parts of a page without reloading it ----------------------------------------------
function nearBottom(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
}

function focusKey(container) {
  // Where keyboard focus is inside a refreshed part, said so that it survives the refresh: the
  // element's id, else its card (data-texter) and its place among the card's controls.
  const active = document.activeElement;
  if (!active || active === document.body || !container.contains(active)) return null;
  if (container === active) return { self: true };
  if (active.id) return { id: active.id };
  const card = active.closest("[data-texter]");
  if (!card) return null;
  const controls = Array.from(card.querySelectorAll("a, button, input, select, textarea, [tabindex]"));
  return { texter: card.dataset.texter, index: controls.indexOf(active) };
}

function restoreFocus(container, key) {
  if (!key || key.self) return;
  let target = null;
  if (key.id) target = document.getElementById(key.id);
  else {
    const card = Array.from(container.querySelectorAll("[data-texter]")).find((c) => c.dataset.texter === key.texter);
    if (card) target = card.querySelectorAll("a, button, input, select, textarea, [tabindex]")[key.index] || card.querySelector("a, button");
  }
  if (target) target.focus({ preventScroll: true });
  else container.focus?.({ preventScroll: true });
}

function announceNew(container, before) {
  // Screen readers hear each new message of the texter once (the thread itself is not live: it is
  // replaced whole at each refresh).
  const out = document.getElementById("announce");
  if (!out) return;
  const fresh = Array.from(container.querySelectorAll(".msg.in .text")).slice(before);
  if (!fresh.length) return;
  out.textContent = fresh.map((t) => fill(container.dataset.announceOne, { text: t.textContent })).join(" ");
}

function poll(container) {
  let etag = null;
  const every = parseInt(container.dataset.every || "4000", 10);
  const pageStatus = container.closest("[data-status]");
  async function tick() {
    if (document.hidden && !(container.id === "lists" && window.helplineAlertsOn)) return;
    let response;
    try {
      const headers = { "X-Requested-With": "fetch" };
      if (etag) headers["If-None-Match"] = etag;
      response = await fetch(container.dataset.poll, { headers, cache: "no-store", credentials: "same-origin" });
    } catch (e) {
      return; // offline for a moment: try again at the next tick
    }
    if (response.status === 304) return;
    if (response.status === 401 || response.status === 403 || response.status === 404 || response.redirected) {
      window.location.reload();
      return;
    }
    if (!response.ok) return;
    etag = response.headers.get("ETag");
    const html = await response.text();
    const stick = nearBottom(container);
    const focus = focusKey(container);
    const before = container.querySelectorAll(".msg.in").length;
    container.innerHTML = html;
    restoreFocus(container, focus);
    const fresh = container.querySelector("[data-status]");
    if (container.id === "lists") {
      showCounts(container);
      document.dispatchEvent(new CustomEvent("helpline:lists", { detail: container }));
    } else announceNew(container, before);
    if (pageStatus && fresh && fresh.dataset.status !== pageStatus.dataset.status) {
      window.location.reload(); // claimed, released or closed elsewhere: the buttons change
      return;
    }
    if (stick) container.scrollTop = container.scrollHeight;
  }
  setInterval(tick, every);
  document.addEventListener("visibilitychange", tick);
}

function plural(lists, name, n) {
  // The page gives each sentence in its singular and plural form, {n} filled here.
  return fill(n === 1 ? lists.dataset[name + "One"] : lists.dataset[name], { n });
}

function showCounts(lists) {
  // The tab's title says how many are waiting (urgent ones first), so a volunteer in another tab sees it.
  const counts = lists.querySelector("#counts");
  if (!counts) return;
  const waiting = parseInt(counts.dataset.waiting || "0", 10);
  const urgent = parseInt(counts.dataset.urgent || "0", 10);
  let prefix = "";
  if (urgent) prefix = `(${plural(lists, "titleUrgent", urgent)}, ${plural(lists, "titleWaiting", waiting)}) `;
  else if (waiting) prefix = `(${waiting}) `;
  document.title = prefix + lists.dataset.title;
}

// --- Alerts: a sound and a notification for a new waiting conversation, at once for an urgent one ---
function waitingCards(lists) {
  return Array.from(lists.querySelectorAll("#waiting > li[data-texter]")).map((card) => ({
    name: card.dataset.texter, urgent: card.classList.contains("urgent") }));
}

function passedCards(lists) {
  // Conversations a colleague passed to this volunteer (each transfer once: its time is in the key).
  return Array.from(lists.querySelectorAll("#mine > li[data-transferred]")).map((card) => ({
    name: card.dataset.texter, by: card.dataset.by, key: card.dataset.texter + "@" + card.dataset.transferred }));
}

function beep(audio, urgent) {
  // A short tone (two for urgent), made here: no sound file, nothing from other sites.
  if (!audio) return;
  [0, urgent ? 0.35 : null].filter((t) => t !== null).forEach((start) => {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = urgent ? 880 : 660;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + 0.25);
  });
}

function alerts(lists) {
  // Opt-in: the permission is asked when the volunteer clicks, never on load; the choice is kept in
  // this browser. Only while the inbox is open.
  const box = document.getElementById("alerts");
  const button = document.getElementById("alerts-on");
  const state = document.getElementById("alerts-state");
  if (!box || !button) return;
  box.hidden = false;
  let audio = null;
  let on = false;
  let seen = new Set(waitingCards(lists).map((c) => c.name));
  function start() {
    on = true;
    window.helplineAlertsOn = true; // the inbox keeps refreshing in a background tab, to alert
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
    button.hidden = true;
    const allowed = !("Notification" in window) || Notification.permission === "granted";
    state.textContent = allowed ? box.dataset.on : box.dataset.denied;
    try { window.localStorage.setItem("helpline-alerts", "on"); } catch (e) { /* kept for this page only */ }
  }
  let kept = null;
  try { kept = window.localStorage.getItem("helpline-alerts"); } catch (e) { kept = null; }
  if (kept === "on" && "Notification" in window && Notification.permission === "granted") start();
  button.addEventListener("click", () => {
    if ("Notification" in window && Notification.permission === "default") {
      Notification.requestPermission().then(start, start);
    } else start();
  });
  let passedSeen = new Set(passedCards(lists).map((c) => c.key));
  function notify(words, tag, urgent) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      new Notification(words, { tag, requireInteraction: urgent });
    } catch (e) { /* some phones allow notifications only from a service worker: the sound stays */ }
  }
  document.addEventListener("helpline:lists", () => {
    const cards = waitingCards(lists);
    const fresh = cards.filter((c) => !seen.has(c.name));
    seen = new Set(cards.map((c) => c.name));
    const passed = passedCards(lists).filter((c) => !passedSeen.has(c.key));
    passedSeen = new Set(passedCards(lists).map((c) => c.key));
    if (on && passed.length) {
      beep(audio, false);
      notify(fill(box.dataset.transferred, { who: passed[0].by, name: passed[0].name }), "helpline-passed-" + passed[0].name, true);
    }
    if (!on || !fresh.length) return;
    const urgent = fresh.filter((c) => c.urgent);
    const first = urgent[0] || fresh[0];
    beep(audio, urgent.length > 0);
    notify(fill(urgent.length ? box.dataset.urgent : box.dataset.new, { name: first.name }), "helpline-" + first.name,
           urgent.length > 0);
  });
}

// --- What a person typed is kept in this browser until it is saved or sent -------------------------
function stored(storage, key) {
  try {
    return JSON.parse(storage.getItem(key) || "null");
  } catch (e) {
    return null;
  }
}

function store(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, JSON.stringify(value));
  } catch (e) {
    // storage full or disabled: the text stays in the box, as before
  }
}

function openTargetedDetails() {
  // A link to a folded node (#node-pay, #text-pay.intro) opens it, so the link lands on what it names.
  const id = decodeURIComponent(window.location.hash.slice(1));
  const target = id && document.getElementById(id);
  if (!target) return;
  for (let el = target; el; el = el.parentElement) if (el.tagName === "DETAILS") el.open = true;
  target.scrollIntoView();
}

function dropDraftsOfOtherSessions() {
  // Drafts belong to the session they were typed in: once staff end the sessions (a lost phone), the
  // next page after logging in again carries another mark, and the old session's drafts are deleted.
  const mark = document.documentElement.dataset.session;
  if (!mark) return; // logged out: the login page keeps them until someone logs in
  try {
    Object.keys(window.localStorage).filter((k) => k.startsWith("helpline-reply:")).forEach((k) => {
      const kept = stored(window.localStorage, k);
      if (!kept || kept.session !== mark) window.localStorage.removeItem(k);
    });
  } catch (e) {
    // storage disabled: nothing was kept
  }
}

function keepReply(page) {
  // A volunteer's reply survives a reload, a hand-back or a lost claim: it stays in localStorage (on
  // this device only, marked with the session) until the server has taken it, and the volunteer is told.
  const key = "helpline-reply:" + page.dataset.h;
  const session = document.documentElement.dataset.session || "";
  const kept = stored(window.localStorage, key);
  const box = document.getElementById("body");
  const notice = document.getElementById("kept-notice");
  const refused = document.querySelector(".flash.error");
  if (kept && kept.sending && !refused && box && !box.value) {
    store(window.localStorage, key, null); // the server took it: the thread shows it now
  } else if (kept && kept.text && box) {
    if (!box.value) {
      box.value = kept.text;
      box.dispatchEvent(new Event("input"));
      if (notice && !refused) {
        notice.textContent = page.dataset.keptRestored;
        notice.hidden = false;
      }
    }
    store(window.localStorage, key, { text: box.value, session });
  } else if (kept && kept.text && !box) {
    const shown = document.getElementById("kept");
    const text = document.getElementById("kept-text");
    if (notice && shown && text) {
      const status = page.dataset.status;
      notice.textContent = page.dataset["kept" + status.charAt(0).toUpperCase() + status.slice(1)] || page.dataset.keptClaimed;
      notice.hidden = false;
      text.value = kept.text;
      shown.hidden = false;
      document.getElementById("kept-forget").addEventListener("click", () => {
        store(window.localStorage, key, null);
        shown.hidden = true;
        notice.hidden = true;
      });
    }
  }
  if (box) {
    box.addEventListener("input", () => {
      store(window.localStorage, key, box.value.trim() ? { text: box.value, session } : null);
    });
    box.form.addEventListener("submit", () => {
      if (box.value.trim()) store(window.localStorage, key, { text: box.value, sending: true, session });
    });
  }
}

function keepEdits() {
  // The script's text page has a form per language: saving one must not lose what was typed in
  // another. Unsaved text is kept in sessionStorage (this tab) and put back after the page reloads,
  // as long as the saved text it was typed over has not changed meanwhile.
  document.querySelectorAll("form[data-keep] textarea, form[data-keep] input[type=text], form[data-keep] input:not([type])").forEach((field) => {
    if (!field.id) return;
    const key = "helpline-edit:" + window.location.pathname + ":" + field.id;
    const kept = stored(window.sessionStorage, key);
    const mark = document.querySelector(`[data-unsaved-for="${field.id}"]`);
    if (kept && kept.was === field.defaultValue && kept.value !== field.defaultValue) {
      field.value = kept.value;
      field.dispatchEvent(new Event("input"));
      if (mark) mark.hidden = false;
    }
    field.addEventListener("input", () => {
      const changed = field.value !== field.defaultValue;
      store(window.sessionStorage, key, changed ? { was: field.defaultValue, value: field.value } : null);
      if (mark) mark.hidden = !changed;
    });
    field.form.addEventListener("submit", () => store(window.sessionStorage, key, null));
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-poll]").forEach((el) => {
    el.scrollTop = el.scrollHeight;
    poll(el);
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  document.querySelectorAll("[data-cost]").forEach((field) => {
    // The script's text editors: each box has its own count.
    const counter = document.getElementById(field.dataset.cost);
    if (!counter) return;
    field.addEventListener("input", () => showCost(field, counter));
    showCost(field, counter);
  });
  const box = document.getElementById("body");
  const out = document.getElementById("cost");
  if (box && out) {
    box.addEventListener("input", () => showCost(box, out));
    showCost(box, out);
  }
  const lists = document.getElementById("lists");
  if (lists) {
    showCounts(lists);
    alerts(lists);
  }
  dropDraftsOfOtherSessions();
  openTargetedDetails();
  window.addEventListener("hashchange", openTargetedDetails);
  const openAll = document.getElementById("open-all");
  if (openAll) {
    const openWords = openAll.textContent;
    openAll.addEventListener("click", () => {
      const folded = Array.from(document.querySelectorAll("details.node")).some((d) => !d.open);
      document.querySelectorAll("details.node").forEach((d) => { d.open = folded; });
      openAll.textContent = folded ? openAll.dataset.close : openWords;
    });
  }
  const page = document.querySelector(".conversation[data-h]");
  if (page) keepReply(page);
  keepEdits();
  const logout = document.getElementById("logout");
  if (logout) {
    // Unsent replies stay on this device only while the volunteer is logged in (a shared phone).
    logout.addEventListener("submit", () => {
      try {
        Object.keys(window.localStorage).filter((k) => k.startsWith("helpline-reply:"))
          .forEach((k) => window.localStorage.removeItem(k));
      } catch (e) {
        // storage disabled: nothing was kept
      }
    });
  }
  document.querySelectorAll("[data-insert]").forEach((button) => {
    // A ready answer goes into the reply box (after what is there), to be edited before sending.
    button.addEventListener("click", () => {
      const reply = document.getElementById("body");
      if (!reply) return;
      reply.value = reply.value.trim() ? reply.value.trimEnd() + "\n" + button.dataset.insert : button.dataset.insert;
      reply.dispatchEvent(new Event("input"));
      reply.focus();
    });
  });
  const compose = document.getElementById("compose");
  if (compose) {
    // On a phone the reply box must be in view, under the newest messages, without scrolling.
    // The page is laid out to fit the screen (body.fit); scroll only where it still does not fit.
    if (compose.getBoundingClientRect().bottom > window.innerHeight) compose.scrollIntoView({ block: "end" });
    compose.addEventListener("submit", () => {
      // One click, one message: the server refuses a second send of the same form anyway.
      setTimeout(() => { document.getElementById("send").disabled = true; }, 0);
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) compose.requestSubmit();
    });
  }
});
