// /admin/alerts/<id>: while an alert is scheduled, sending or waiting, poll its progress and show it; when its
// status changes, load the page again (it then shows the report). Without JavaScript a reload does the same.
(function () {
  var section = document.querySelector("#progress[data-url]");
  if (!section || ["done", "cancelled"].indexOf(section.dataset.status) >= 0) { return; }
  var bar = document.getElementById("alert-progress");
  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.onload = function () {
      var state;
      try { state = JSON.parse(xhr.responseText); } catch (e) { state = null; }
      if (!state || xhr.status !== 200) { window.setTimeout(poll, 3000); return; }
      bar.value = state.percent;
      Object.keys(state.counts).forEach(function (key) {
        var dd = section.querySelector('[data-count="' + key + '"]');
        var value = state.counts[key];
        if (dd) { dd.textContent = value === null ? section.dataset.fewer : String(value); }
      });
      if (state.status !== section.dataset.status) { window.location.reload(); return; }
      window.setTimeout(poll, 1000);
    };
    xhr.onerror = function () { window.setTimeout(poll, 3000); };
    xhr.open("GET", section.dataset.url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.send();
  }
  window.setTimeout(poll, 500);
})();
