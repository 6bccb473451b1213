// Progressive enhancement only: every page works without this file, but for the proof of
// work, which needs a script anyway.

// An error summary takes the focus, so that a screen reader reads it first.
const summary = document.getElementById("error-summary");
if (summary) summary.focus();

// The ALTCHA widget keeps its solution in its shadow DOM, which a form does not send: copy
// it into the form's own field once the browser has solved the challenge.
for (const widget of document.querySelectorAll("altcha-widget")) {
  widget.addEventListener("verified", (event) => {
    const field = widget.closest("form")?.querySelector("[data-altcha-payload]");
    if (field) field.value = event.detail.payload;
  });
}
