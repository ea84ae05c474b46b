// /admin/jobs: upload with a progress bar, then show the page the server answers with (its <main>).
// Without JavaScript the form posts as usual.
function bindUploads(root) {
  root.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var bar = document.getElementById(form.dataset.progress);
      var status = document.getElementById("upload-status");
      if (!window.XMLHttpRequest || !window.DOMParser || !bar) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      bar.hidden = false;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
        status.textContent = bar.value < 100 ? "Uploading… " + bar.value + "%" : "Importing…";
      };
      xhr.onload = function () {
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = page.querySelector("main");
        if (!main) { status.textContent = "The server answered " + xhr.status + ": reload the page."; return; }
        document.querySelector("main").replaceWith(main);
        bindUploads(main);
      };
      xhr.onerror = function () { status.textContent = "The upload failed: check the connection and try again."; };
      xhr.open("POST", form.action || window.location.href);
      xhr.send(new FormData(form));
    });
  });
}
bindUploads(document);
