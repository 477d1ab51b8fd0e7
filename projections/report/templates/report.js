// Draws every chart of the report with vega-embed and wires the transcript filter.
// The data live once in #pidgin-data; each chart gets the datasets it names.
(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("pidgin-data").textContent);
  var datasets = {};
  Object.keys(payload.datasets).forEach(function (name) {
    var table = payload.datasets[name];
    datasets[name] = table.rows.map(function (row) {
      var record = {};
      table.columns.forEach(function (column, i) { record[column] = row[i]; });
      return record;
    });
  });

  function namedData(spec, names) {
    if (spec && typeof spec === "object") {
      if (spec.data && typeof spec.data.name === "string") names[spec.data.name] = true;
      Object.keys(spec).forEach(function (key) { namedData(spec[key], names); });
    }
    return names;
  }

  var pending = [];
  document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
    var spec = payload.charts[figure.dataset.chart];
    spec.datasets = {};
    Object.keys(namedData(spec, {})).forEach(function (name) {
      spec.datasets[name] = datasets[name] || [];
    });
    pending.push(
      vegaEmbed(figure, spec, { renderer: "svg", actions: false })
        .then(function () { figure.dataset.rendered = "true"; })
        .catch(function (error) {
          figure.dataset.rendered = "error";
          figure.textContent = "This chart could not be drawn: " + error;
          figure.className += " chart-error";
          console.error(error);
        })
    );
  });
  Promise.all(pending).then(function () { document.body.dataset.chartsDone = "true"; });

  // Transcripts: a text filter, and links to a turn open its conversation.
  var transcripts = Array.prototype.slice.call(document.querySelectorAll("details.transcript"));
  var count = document.getElementById("filter-count");
  document.getElementById("filter").addEventListener("input", function (event) {
    var words = event.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    transcripts.forEach(function (details) {
      var text = details.textContent.toLowerCase();
      var match = words.every(function (word) { return text.indexOf(word) >= 0; });
      details.hidden = !match;
      if (match) shown += 1;
    });
    count.textContent = words.length ? shown + " of " + transcripts.length + " shown" : "";
  });
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    var details = target && target.closest("details");
    if (details) { details.open = true; target.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
