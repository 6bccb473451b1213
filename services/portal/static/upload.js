// A file sent in parts, on the forms marked `data-upload` (services/portal/uploads.py).
//
// Without this script, or without Web Crypto, the file travels in the form itself. With
// them, the file is announced with its SHA-256, sent in parts (each with its own SHA-256,
// each tried again when the connection fails), completed, and the form is then sent with
// the new document's id instead of the file. Anything that goes wrong sends the form the
// plain way, whose answer says what is wrong in the page's language.

const TRIES = 3;
// Web Crypto hashes a whole file at once, in memory: larger files go the plain way
const LARGEST = 512 * 1024 * 1024;

class Refused extends Error {}

function words(form, name, values = {}) {
  let text = form.dataset[name] || "";
  for (const [key, value] of Object.entries(values)) text = text.replace(`{${key}}`, value);
  return text;
}

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function asked(url, options) {
  const answer = await fetch(url, { credentials: "same-origin", ...options });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) throw new Refused(body.error?.code || String(answer.status));
  return body;
}

function fields(form, extra) {
  const sent = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string") sent.append(name, value);
  }
  for (const [name, value] of Object.entries(extra)) sent.set(name, value);
  return sent;
}

function sendPart(url, token, part, hash, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.setRequestHeader("X-CSRF-Token", token);
    request.setRequestHeader("X-Content-SHA256", hash);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.addEventListener("progress", (event) => onProgress(event.loaded));
    request.addEventListener("load", () => {
      if (request.status < 300) resolve();
      else if (request.status >= 500) reject(new Error(String(request.status)));
      else reject(new Refused(String(request.status)));
    });
    request.addEventListener("error", () => reject(new Error("network")));
    request.send(part);
  });
}

async function withRetries(attempt) {
  for (let tried = 1; ; tried += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof Refused || tried >= TRIES) throw error;
      await new Promise((wait) => setTimeout(wait, 500 * 2 ** tried));
    }
  }
}

class Upload {
  constructor(form, file) {
    this.form = form;
    this.file = file;
    this.token = form.elements.csrf_token.value;
    this.base = form.dataset.upload;
    this.bar = form.querySelector("progress");
    this.status = form.querySelector("[data-upload-status]");
    this.shown = -1;
  }

  say(text) {
    this.status.textContent = text;
  }

  progress(sent) {
    const percent = Math.floor((100 * sent) / this.file.size);
    this.bar.value = percent;
    // a screen reader hears every tenth, not every step
    const tenth = Math.floor(percent / 10);
    if (tenth !== this.shown) {
      this.shown = tenth;
      this.say(words(this.form, "uploadSending", { percent: String(tenth * 10) }));
    }
  }

  async session(hash) {
    const remembered = `upload:${this.form.action}:${hash}:${this.file.size}`;
    const earlier = sessionStorage.getItem(remembered);
    if (earlier) {
      try {
        return await asked(`${this.base}/${encodeURIComponent(earlier)}`);
      } catch {
        sessionStorage.removeItem(remembered); // gone or closed: start again
      }
    }
    const session = await asked(this.base, {
      method: "POST",
      headers: { "X-CSRF-Token": this.token },
      body: fields(this.form, {
        filename: this.file.name,
        media_type: this.file.type,
        size: String(this.file.size),
        sha256: hash,
      }),
    });
    sessionStorage.setItem(remembered, session.upload_id);
    return session;
  }

  async run() {
    this.form.querySelector("[data-upload-progress]").hidden = false;
    this.say(words(this.form, "uploadPreparing"));
    const session = await this.session(await sha256(this.file));
    if (session.document_id) return session.document_id;
    const size = session.part_size;
    const missing = new Set(session.missing);
    let sent = 0;
    for (let number = 1; (number - 1) * size < this.file.size; number += 1) {
      if (!missing.has(number)) sent += Math.min(size, this.file.size - (number - 1) * size);
    }
    this.progress(sent);
    const url = `${this.base}/${encodeURIComponent(session.upload_id)}`;
    for (const number of session.missing) {
      const part = this.file.slice((number - 1) * size, number * size);
      const hash = await sha256(part);
      await withRetries(() =>
        sendPart(`${url}/parts/${number}`, this.token, part, hash, (loaded) =>
          this.progress(sent + loaded),
        ),
      );
      sent += part.size;
      this.progress(sent);
    }
    const stored = await withRetries(() =>
      asked(`${url}/complete`, {
        method: "POST",
        headers: { "X-CSRF-Token": this.token },
        body: new URLSearchParams({ csrf_token: this.token }),
      }),
    );
    return stored.document_id;
  }
}

for (const form of document.querySelectorAll("form[data-upload]")) {
  const input = form.querySelector('input[type="file"]');
  let busy = false;
  form.addEventListener("submit", async (event) => {
    const file = input?.files[0];
    if (busy) {
      event.preventDefault();
      return;
    }
    if (!file || !window.crypto?.subtle || file.size > LARGEST) return;
    event.preventDefault();
    busy = true;
    const upload = new Upload(form, file);
    try {
      form.querySelector("[data-upload-result]").value = await upload.run();
      input.value = "";
      upload.say(words(form, "uploadDone"));
    } catch {
      upload.say(words(form, "uploadFailed"));
    }
    form.submit();
  });
}
