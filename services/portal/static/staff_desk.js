// The desk and the hall's call display, live: each queue change (Server-Sent Events from
// /staff/desk/<location>/events) reads the page again and puts in its new content; at the
// desk each move is sent without leaving the page and a single key makes it. Without this
// script the pages work as plain forms and links.

const main = document.querySelector("[data-desk-board]")?.closest("main")
  ?? document.querySelector("[data-call-display]");
const streamOf = document.querySelector("[data-desk-stream]");

// one polite live region outside the content that is replaced, so announcements survive
const announcer = document.createElement("div");
announcer.setAttribute("role", "status");
announcer.className = "kern-sr-only";
document.body.append(announcer);

function announce(text) {
  announcer.textContent = "";
  window.setTimeout(() => { announcer.textContent = text; }, 50);
}

async function readPage(url) {
  const answer = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!answer.ok) throw new Error(`page answered ${answer.status}`);
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  return { page, url: answer.url };
}

// --- the desk -------------------------------------------------------------------------

function deskContent(page) {
  return page.querySelector("[data-desk-board]")?.closest("main");
}

// what a person sees and can press: the form tokens, masked afresh in every page, aside
function looks(root) {
  const keys = [...root.querySelectorAll("[data-focus-key]")].map((b) => b.dataset.focusKey);
  return `${root.textContent.replace(/\s+/g, " ")}|${keys.join(",")}`;
}

function replaceDesk(page) {
  const fresh = deskContent(page);
  // the same list again is left alone: a button about to be pressed stays where it is
  if (!fresh || looks(fresh) === looks(main)) return;
  const active = main.contains(document.activeElement) ? document.activeElement : null;
  const focused = active?.closest("[data-focus-key]")?.dataset.focusKey;
  const service = document.querySelector("#walk-in-service")?.value;
  main.innerHTML = fresh.innerHTML;
  setUpDesk();
  const select = document.querySelector("#walk-in-service");
  if (select && service) select.value = service;
  // the focus goes back where it was: a field (the walk-in's service) by its id, a button
  // by its key; a button that left the list hands it to "call next"
  if (focused) {
    const again = main.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)
      ?? main.querySelector('[data-focus-key="call-next"]');
    again?.focus();
  } else if (active?.id) {
    document.getElementById(active.id)?.focus();
  }
}

let reading = null;
let readAgain = false;

async function refreshDesk() {
  if (reading) { readAgain = true; return; }
  const asked = window.location.href;
  reading = readPage(asked);
  try {
    const { page } = await reading;
    // a move answered while this was read has put in its own page and address (a walk-in's
    // ticket and wait are in it): this older read would take them off the screen again, so
    // the page at the new address is read instead
    if (window.location.href === asked) replaceDesk(page);
    else readAgain = true;
  } catch (error) {
    console.warn("desk: could not read the list", error);
  } finally {
    reading = null;
    if (readAgain) { readAgain = false; refreshDesk(); }
  }
}

// the form sent the way the browser sends it without this script; a move the service has
// done already is refused there, not done twice
function submitPlainly(form, submitter) {
  if (submitter?.name) {
    const chosen = document.createElement("input");
    chosen.type = "hidden";
    chosen.name = submitter.name;
    chosen.value = submitter.value;
    form.append(chosen);
  }
  form.submit();
}

async function send(form, submitter) {
  const answer = await fetch(form.action, {
    method: "POST",
    body: new FormData(form, submitter),
    credentials: "same-origin",
  });
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  if (!answer.ok || !deskContent(page)) {
    submitPlainly(form, submitter);  // an error page or a sign-in: as a plain form shows it
    return;
  }
  const focused = document.activeElement?.closest("[data-focus-key]")?.dataset.focusKey;
  window.history.replaceState(null, "", answer.url);
  replaceDesk(page);
  const told = page.querySelector("main [role=status]");
  if (told) announce(told.textContent.trim().replace(/\s+/g, " "));
  if (focused && !main.contains(document.activeElement)) {
    main.querySelector('[data-focus-key="call-next"]')?.focus();
  }
}

function shortcutsOn() {
  return window.localStorage.getItem("desk-shortcuts") !== "off";
}

function setUpDesk() {
  const toggle = document.querySelector("#desk-shortcuts");
  if (toggle) {
    toggle.closest("[data-shortcut-switch]").hidden = false;
    toggle.checked = shortcutsOn();
    toggle.addEventListener("change", () => {
      window.localStorage.setItem("desk-shortcuts", toggle.checked ? "on" : "off");
    });
  }
}

function onKey(event) {
  if (!shortcutsOn() || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  if (event.target.closest("input, select, textarea, [contenteditable]")) return;
  const key = event.key.toLowerCase();
  const button = main.querySelector(`.desk-now [data-shortcut="${CSS.escape(key)}"]`);
  const field = main.querySelector(`[data-shortcut-focus="${CSS.escape(key)}"]`);
  if (button) {
    event.preventDefault();
    button.focus();
    button.click();
  } else if (field) {
    event.preventDefault();
    field.focus();
  }
}

// --- the hall's display -----------------------------------------------------------------

let audio = null;

function chime() {
  if (!audio || audio.state !== "running") return;
  const now = audio.currentTime;
  [660, 880].forEach((pitch, index) => {
    const tone = audio.createOscillator();
    const loudness = audio.createGain();
    tone.frequency.value = pitch;
    loudness.gain.setValueAtTime(0.0001, now + index * 0.35);
    loudness.gain.exponentialRampToValueAtTime(0.4, now + index * 0.35 + 0.03);
    loudness.gain.exponentialRampToValueAtTime(0.0001, now + index * 0.35 + 0.3);
    tone.connect(loudness).connect(audio.destination);
    tone.start(now + index * 0.35);
    tone.stop(now + index * 0.35 + 0.32);
  });
}

function setUpSound() {
  const button = document.querySelector("[data-sound-switch]");
  const Context = window.AudioContext ?? window.webkitAudioContext;
  if (!Context) return;
  audio = new Context();
  // a kiosk browser started with --autoplay-policy=no-user-gesture-required plays at once;
  // elsewhere a person turns the sound on once
  if (audio.state !== "running" && button) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      await audio.resume();
      button.hidden = true;
      chime();
    });
  }
}

function latestKey(root) {
  return root.querySelector("[data-call-key]")?.dataset.callKey ?? "";
}

function showCall(latest) {
  latest.classList.add("call-display__latest--new");
  chime();
  announce(latest.textContent.trim().replace(/\s+/g, " "));
}

// a call is shown from the stream's own message at once (number and desk are all it
// needs); the page read afterwards brings the other calls and whatever was missed
function showCalled(change) {
  const template = document.querySelector("[data-call-template]");
  const shown = document.querySelector("[data-call-list]");
  if (!template || !shown || change.status !== "called" || change.ticket == null) return;
  const latest = template.content.firstElementChild.cloneNode(true);
  latest.querySelector("[data-call-ticket]").textContent = String(change.ticket).padStart(3, "0");
  latest.querySelector("[data-call-desk]").textContent = change.desk ?? "–";
  latest.dataset.callKey = `${change.ticket}-${change.desk}`;
  const before = shown.querySelector(".call-display__latest, .call-display__none");
  if (before) before.replaceWith(latest);
  else shown.prepend(latest);
  showCall(latest);
}

async function refreshDisplay() {
  const { page } = await readPage(window.location.href);
  const fresh = page.querySelector("[data-call-list]");
  const shown = document.querySelector("[data-call-list]");
  if (!fresh || !shown) return;
  const before = latestKey(shown);
  const flashing = shown.querySelector(".call-display__latest--new");
  shown.innerHTML = fresh.innerHTML;
  const latest = shown.querySelector(".call-display__latest");
  if (!latest) return;
  if (latestKey(shown) !== before) showCall(latest);
  else if (flashing) latest.classList.add("call-display__latest--new");
}

// --- the stream ---------------------------------------------------------------------------

function listen(onChange) {
  if (!streamOf || !window.EventSource) return;
  const stream = new EventSource(streamOf.dataset.deskStream);
  stream.addEventListener("desk", onChange);
  // after a reconnect, changes may have been missed: read the page anyway
  let opened = false;
  stream.addEventListener("open", () => {
    if (opened) onChange();
    opened = true;
  });
}

if (document.querySelector("[data-desk-board]")) {
  setUpDesk();
  document.addEventListener("keydown", onKey);
  main.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.method.toLowerCase() !== "post") return;
    event.preventDefault();
    send(form, event.submitter).catch(() => submitPlainly(form, event.submitter));
  });
  listen(() => refreshDesk());
} else if (document.querySelector("[data-call-display]")) {
  setUpSound();
  listen((event) => {
    if (event?.data) showCalled(JSON.parse(event.data));
    refreshDisplay().catch((error) => console.warn("display:", error));
  });
}
