// /admin/jobs: upload with a progress bar (the button disabled meanwhile), then follow the import the server
// queued: poll its progress and show the page with its report when it is done. Without JavaScript the form
// posts as usual and the page shows the import's state on each reload. Every word shown comes from the page
// (the data-* attributes of #upload, in the page's language), with {name} placeholders filled in here.
function say(name, values) {
  var words = document.getElementById("upload");
  var template = (words && words.dataset[name]) || "";
  return template.replace(/\{(\w+)\}/g, function (_, key) { return String((values || {})[key]); });
}
function showPage(url, status) {
  var xhr = new XMLHttpRequest();
  xhr.onload = function () { swapMain(xhr, status); };
  xhr.onerror = function () { if (status) { status.textContent = say("connection"); } };
  xhr.open("GET", url);
  xhr.send();
}
function swapMain(xhr, status) {
  var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
  var main = page.querySelector("main");
  if (!main) { if (status) { status.textContent = say("answered", { status: xhr.status }); } return; }
  document.querySelector("main").replaceWith(main);
  bind(main);
}
function follow(section) {
  var bar = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  var said = -1;  // the last tenth said: a screen reader hears every 10 %, not every second
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.onload = function () {
      var state;
      try { state = JSON.parse(xhr.responseText); } catch (e) { state = null; }
      if (!state || xhr.status !== 200) { status.textContent = say("unreadable"); return; }
      if (state.state === "finished" || state.state === "failed") { showPage(section.dataset.pageUrl, status); return; }
      if (state.total) {
        bar.value = Math.min(100, Math.round(100 * state.done / state.total));
        if (Math.floor(bar.value / 10) !== said) {
          said = Math.floor(bar.value / 10);
          status.textContent = say("importing", { percent: bar.value });
        }
      } else if (state.done) { status.textContent = say("rowsRead", { n: state.done }); }
      window.setTimeout(poll, 1000);
    };
    xhr.onerror = function () { window.setTimeout(poll, 3000); };
    xhr.open("GET", section.dataset.statusUrl);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.send();
  }
  window.setTimeout(poll, 300);
}
function bind(root) {
  var section = root.querySelector("#import[data-status-url]");
  if (section) { follow(section); }
  root.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var bar = document.getElementById(form.dataset.progress);
      var status = document.getElementById("upload-status");
      var button = form.querySelector("button[type=submit]");
      if (button && button.disabled) { event.preventDefault(); return; }  // a second click sends nothing
      if (button) { button.disabled = true; }
      if (!window.XMLHttpRequest || !window.DOMParser || !bar) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      bar.hidden = false;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
        status.textContent = bar.value < 100 ? say("uploading", { percent: bar.value }) : say("checking");
      };
      xhr.onload = function () { swapMain(xhr, status); };
      xhr.onerror = function () {
        status.textContent = say("uploadFailed");
        if (button) { button.disabled = false; }
      };
      xhr.open("POST", form.action || window.location.href);
      xhr.send(new FormData(form));
    });
  });
}
bind(document);
