// /admin/jobs: upload with a progress bar, then show the page the server answers with (its <main>).
// Without JavaScript the form posts as usual.
function bindUploads(root) {
  root.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var bar = document.getElementById(form.dataset.progress);
      var status = document.getElementById("upload-status");
      if (!window.XMLHttpRequest || !window.DOMParser || !bar) { return; }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button.disabled) { return; }
      button.disabled = true;  // one click, one import: a second click must not import the file again
      var xhr = new XMLHttpRequest();
      bar.hidden = false;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
        status.textContent = bar.value < 100 ? status.dataset.uploading.replace("{n}", bar.value) : status.dataset.importing;
      };
      xhr.onload = function () {
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = page.querySelector("main");
        if (!main) {
          status.textContent = status.dataset.answered.replace("{status}", xhr.status);
          button.disabled = false;
          return;
        }
        document.querySelector("main").replaceWith(main);
        bindUploads(main);
      };
      xhr.onerror = function () { status.textContent = status.dataset.failed; button.disabled = false; };
      xhr.open("POST", form.action || window.location.href);
      xhr.send(new FormData(form));
    });
  });
}
bindUploads(document);
