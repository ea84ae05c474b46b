// Upload with a progress bar (the page works without it: the form posts as usual).
document.querySelectorAll("form[data-progress]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    var bar = document.getElementById(form.dataset.progress);
    var status = document.getElementById("upload-status");
    if (!window.XMLHttpRequest || !bar) { return; }
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    bar.hidden = false;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      status.textContent = bar.value < 100 ? "Uploading… " + bar.value + "%" : "Importing…";
    };
    xhr.onload = function () { document.open(); document.write(xhr.responseText); document.close(); };
    xhr.onerror = function () { status.textContent = "The upload failed: check the connection and try again."; };
    xhr.open("POST", form.action || window.location.href);
    xhr.send(new FormData(form));
  });
});
