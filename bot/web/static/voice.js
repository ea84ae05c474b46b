// A volunteer's voice note: recorded with the microphone (MediaRecorder; the browser asks for it on the
// click, never on load), listened to, then sent with the form's file field, as a chosen file would be.
// Without MediaRecorder (or without JavaScript) the file field stays: phones offer their own recorder there.
"use strict";

(function () {
  const form = document.getElementById("voice-form");
  if (!form) return;
  const record = document.getElementById("record");
  const stop = document.getElementById("record-stop");
  const state = document.getElementById("voice-state");
  const preview = document.getElementById("voice-preview");
  const file = document.getElementById("voice-file");
  const send = document.getElementById("send-voice");
  const maxSeconds = parseInt(form.dataset.maxSeconds || "180", 10);
  const maxBytes = parseInt(form.dataset.maxBytes || "0", 10);
  const say = (words, values) => words.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));

  form.addEventListener("submit", (event) => {
    const chosen = file.files && file.files[0];
    if (chosen && maxBytes && chosen.size > maxBytes) {
      event.preventDefault();
      state.textContent = form.dataset.tooLarge;
      return;
    }
    setTimeout(() => { send.disabled = true; }, 0); // one click, one voice note
  });

  const canRecord = navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder
    && window.DataTransfer;
  if (!canRecord) return;
  // Ogg/Opus where the browser records it (Firefox), else WebM/Opus (Chromium: the server repackages it
  // as Ogg for WhatsApp), else MP4 (Safari).
  const type = ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", "audio/mp4"].find(
    (t) => MediaRecorder.isTypeSupported(t)) || "";
  const extension = (mime) => (mime.includes("ogg") ? "ogg" : mime.includes("mp4") ? "m4a" : "webm");
  let recorder = null;
  let stream = null;
  let parts = [];
  let started = 0;
  let timer = null;
  record.hidden = false;

  const seconds = () => Math.round((Date.now() - started) / 1000);

  function tick() {
    state.textContent = say(form.dataset.recording, { seconds: seconds() });
    if (seconds() >= maxSeconds && recorder && recorder.state === "recording") recorder.stop();
  }

  function finished() {
    clearInterval(timer);
    stream.getTracks().forEach((track) => track.stop());
    const mime = (recorder.mimeType || type || "audio/webm").split(";")[0];
    const blob = new Blob(parts, { type: mime });
    const kept = new DataTransfer();
    kept.items.add(new File([blob], "voice." + extension(mime), { type: mime }));
    file.files = kept.files;
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(blob);
    preview.hidden = false;
    state.textContent = say(form.dataset.ready, { seconds: seconds() });
    stop.hidden = true;
    record.textContent = form.dataset.again;
    record.hidden = false;
    send.focus();
  }

  record.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      state.textContent = form.dataset.denied;
      return;
    }
    parts = [];
    const options = { audioBitsPerSecond: 32000 }; // speech: about 240 KB a minute
    if (type) options.mimeType = type;
    recorder = new MediaRecorder(stream, options);
    recorder.addEventListener("dataavailable", (event) => { if (event.data.size) parts.push(event.data); });
    recorder.addEventListener("stop", finished);
    recorder.start(1000);
    started = Date.now();
    record.hidden = true;
    stop.hidden = false;
    stop.focus();
    tick();
    timer = setInterval(tick, 1000);
  });

  stop.addEventListener("click", () => {
    if (recorder && recorder.state === "recording") recorder.stop();
  });
}());
