// The staff page's phone: texts and calls through the real webhooks, via the staff JSON API.
// Everything is put on the page with textContent: nothing from a reply is read as HTML.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;

async function api(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401) window.location.reload();  // logged out: to the login page
    throw new Error(data.error || `the server answered ${response.status}`);
  }
  return data;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// -- SMS -------------------------------------------------------------------------------------

const sms = document.getElementById("sms");
const thread = document.getElementById("sms-thread");
const smsText = document.getElementById("sms-text");
let freshConversation = true;

function bubble(who, text, detail) {
  const item = element("li", who);
  item.append(element("p", "text", text));
  if (detail) item.append(element("div", "segments", detail));
  thread.append(item);
  thread.scrollTop = thread.scrollHeight;
}

async function text(body) {
  bubble("you", body === "" ? "(empty message)" : body);
  const fresh = freshConversation;
  freshConversation = false;
  try {
    const { reply } = await api(sms.dataset.api, { body, new: fresh });
    if (reply === null) {
      bubble("none", "(no reply is sent: after STOP, a word Twilio answers itself, or too many "
                     + "messages from one number; New conversation starts afresh)");
    } else {
      const plural = reply.segments === 1 ? "segment" : "segments";
      bubble("helpline", reply.text,
             `${reply.segments} ${plural} · ${reply.encoding} · ${reply.characters} characters`);
    }
  } catch (error) {
    bubble("failed", `(failed: ${error.message})`);
  }
}

function newConversation() {
  thread.replaceChildren();
  freshConversation = true;
}

for (const button of sms.querySelectorAll("button.start")) {
  button.addEventListener("click", () => { newConversation(); text(button.dataset.keyword); });
}
document.getElementById("sms-form").addEventListener("submit", (event) => {
  event.preventDefault();
  text(smsText.value.trim());
  smsText.value = "";
});
for (const key of sms.querySelectorAll(".keypad button")) {
  key.addEventListener("click", () => text(key.dataset.key));
}
document.getElementById("sms-new").addEventListener("click", newConversation);

// -- calls -----------------------------------------------------------------------------------

const call = document.getElementById("call");
const log = document.getElementById("call-log");
const status = document.getElementById("call-status");
const player = document.getElementById("call-audio");
const playerNote = document.getElementById("call-audio-note");
const dial = document.getElementById("dial");
const silence = document.getElementById("call-silence");
const hangup = document.getElementById("call-hangup");
const callKeys = call.querySelectorAll(".keypad button");
let step = null;
let entering = "";  // keys of an entry that takes more than one (a postcode)

function line(className, text) {
  const item = element("li", className, text);
  log.append(item);
  log.scrollTop = log.scrollHeight;
  return item;
}

function controls() {
  const waitsForKey = step !== null && step.next === "key";
  if (!waitsForKey) entering = "";
  for (const key of callKeys) key.disabled = !waitsForKey;
  silence.disabled = !waitsForKey;
  dial.hidden = !(step !== null && step.next === "dial");
  hangup.disabled = step === null || step.next === "end";
}

function hear(heard) {
  const recordings = [];
  for (const item of heard) {
    if (item.verb === "play") {
      const entry = line("play");
      entry.append(element("span", "lang", "played"));
      const audio = element("audio");
      audio.controls = true;
      audio.preload = "none";
      audio.src = item.src;
      entry.append(audio);
      recordings.push(item.src);
    } else if (item.verb === "pause") {
      line("pause", `(pause, ${item.text} s)`);
    } else {
      const entry = line("say");
      entry.append(element("span", "lang", item.language || "?"));
      entry.append(document.createTextNode(item.slow ? `(slowly) ${item.text}` : item.text));
    }
  }
  if (recordings.length > 0) {
    player.src = recordings[0];
    playerNote.textContent = recordings.length > 1
      ? `${recordings.length} recordings in this step: each one is playable in the list above.`
      : "The recording the caller hears.";
  } else if (heard.length > 0) {
    player.removeAttribute("src");
    playerNote.textContent = "No recording for this step yet: Twilio's voice says the text above, in the language shown.";
  }
}

async function follow(body) {
  try {
    const data = await api(call.dataset.api, body);
    show(data.step);
  } catch (error) {
    line("you", `(failed: ${error.message})`);
    step = null;
    status.textContent = "The call failed.";
    controls();
  }
}

function show(next) {
  step = next;
  hear(step.heard);
  if (step.next === "redirect") {
    follow({ do: "redirect", url: step.url });
    return;
  }
  entering = "";
  status.textContent = {
    key: step.digits === 1 ? "Waiting for a key (or silence)."
      : `Waiting for up to ${step.digits || "any number of"} keys${step.finish ? `, then ${step.finish}` : ""} (or silence).`,
    dial: `Putting the call through: ${step.phones} phone${step.phones === 1 ? " rings" : "s ring"}.`,
    end: "The helpline ended the call.",
  }[step.next];
  controls();
}

document.getElementById("call-start").addEventListener("click", () => {
  log.replaceChildren();
  line("you", "(you call the helpline)");
  follow({ do: "start" });
});
function submit(digits) {
  // What the Gather posts: an empty entry goes on with the document unless it asks for it.
  const waiting = step;
  entering = "";
  if (digits === "" && !waiting.empty) {
    show(waiting.otherwise);
    return;
  }
  step = null;
  controls();
  follow({ do: "key", digits, url: waiting.url });
}

for (const key of callKeys) {
  key.addEventListener("click", () => {
    if (step === null || step.next !== "key") return;
    const pressed = key.dataset.key;
    line("you", `(you press ${pressed})`);
    if (step.finish.includes(pressed)) {
      submit(entering);
      return;
    }
    entering += pressed;
    if (step.digits && entering.length >= step.digits) {
      submit(entering);
    } else {
      status.textContent = `Entered ${entering}: more keys${step.finish ? `, or ${step.finish} to finish` : ""}.`;
    }
  });
}
silence.addEventListener("click", () => {
  if (step === null || step.next !== "key") return;
  if (entering !== "") {
    line("you", "(you wait)");
    submit(entering);  // the wait ends the entry with the keys pressed so far
    return;
  }
  line("you", "(you press nothing)");
  show(step.otherwise);
});
for (const button of dial.querySelectorAll("button")) {
  button.addEventListener("click", () => {
    if (step === null || step.next !== "dial") return;
    line("you", button.dataset.status === "completed" ? "(a person answers; the talk ends)" : "(nobody answers)");
    if (step.url === null) { show(step.otherwise); return; }
    follow({ do: "dial", status: button.dataset.status, url: step.url });
  });
}
hangup.addEventListener("click", () => {
  line("you", "(you hang up)");
  step = null;
  status.textContent = "You hung up.";
  controls();
});
controls();
