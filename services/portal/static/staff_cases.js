// The cases' pages, enhanced; each works without this file.

// The worklist asks for itself again when a case arrives (the stream says only that one
// did): the applications service decides what this clerk's list holds, so a case of
// another department changes nothing. New rows are announced in the page's status line.
const worklist = document.querySelector("[data-worklist]");
const arrivals = document.querySelector("[data-arrivals]");
if (worklist && arrivals && "EventSource" in window) {
  const source = new EventSource(worklist.dataset.live);
  let asking = Promise.resolve();
  source.addEventListener("case_arrived", () => {
    asking = asking.then(refresh).catch(() => {});
  });
  window.addEventListener("pagehide", () => source.close());
}

function caseIds(list) {
  return [...list.querySelectorAll("[data-case]")].map((row) => row.dataset.case);
}

async function refresh() {
  const answer = await fetch(window.location.href, { credentials: "same-origin" });
  if (!answer.ok) return;
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  const fresh = page.querySelector("[data-worklist]");
  const current = document.querySelector("[data-worklist]");
  if (!fresh || !current) return;
  const known = new Set(caseIds(current));
  const added = caseIds(fresh).filter((id) => !known.has(id));
  if (added.length === 0) return;
  for (const row of fresh.querySelectorAll("[data-case]")) {
    if (added.includes(row.dataset.case)) row.classList.add("is-new");
  }
  current.replaceWith(fresh);
  const words = added.length === 1 ? arrivals.dataset.arrivedOne : arrivals.dataset.arrivedMany;
  arrivals.textContent = words.replace("{count}", String(added.length));
}

// The decision's check page shows its letter at once, as the button beside the frame does;
// once the page has loaded: a form sent while it still loads leaves Chromium ignoring the
// page's next form.
const showLetter = document.querySelector("form[data-show-letter]");
if (showLetter) {
  const show = () => showLetter.requestSubmit();
  if (document.readyState === "complete") show();
  else window.addEventListener("load", show, { once: true });
}
