// /admin/jobs: upload with a progress bar (the button disabled meanwhile), then follow the import the server
// queued: poll its progress and show the page with its report when it is done. Without JavaScript the form
// posts as usual and the page shows the import's state on each reload.
function showPage(url, status) {
  var xhr = new XMLHttpRequest();
  xhr.onload = function () { swapMain(xhr, status); };
  xhr.onerror = function () { if (status) { status.textContent = "The connection failed: reload the page."; } };
  xhr.open("GET", url);
  xhr.send();
}
function swapMain(xhr, status) {
  var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
  var main = page.querySelector("main");
  if (!main) { if (status) { status.textContent = "The server answered " + xhr.status + ": reload the page."; } return; }
  document.querySelector("main").replaceWith(main);
  bind(main);
}
function follow(section) {
  var bar = document.getElementById("import-progress");
  var status = document.getElementById("import-status");
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.onload = function () {
      var state;
      try { state = JSON.parse(xhr.responseText); } catch (e) { state = null; }
      if (!state || xhr.status !== 200) { status.textContent = "The import's state cannot be read: reload the page."; return; }
      if (state.state === "finished" || state.state === "failed") { showPage(section.dataset.pageUrl, status); return; }
      if (state.total) { bar.value = Math.min(100, Math.round(100 * state.done / state.total)); }
      else if (state.done) { status.textContent = state.done + " rows read…"; }
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
        status.textContent = bar.value < 100 ? "Uploading… " + bar.value + "%" : "Checking the file…";
      };
      xhr.onload = function () { swapMain(xhr, status); };
      xhr.onerror = function () {
        status.textContent = "The upload failed: check the connection and try again.";
        if (button) { button.disabled = false; }
      };
      xhr.open("POST", form.action || window.location.href);
      xhr.send(new FormData(form));
    });
  });
}
bind(document);
