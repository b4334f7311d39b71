// Draws the daily usage charts. Each chart group names, in data-usage-charts, the
// id of the JSON element the page carries its figures in, so the page needs no
// script of its own. Groups that htmx swaps in later are drawn when they arrive.
(function () {
  "use strict";

  var COLOURS = {
    put: "#1f6feb",
    get: "#2da44e",
    list: "#bf8700",
    other: "#8250df",
    uploaded: "#1f6feb",
    downloaded: "#cf222e",
    stored: "#0a7e8c",
  };

  function bars(label, values, colour) {
    return { label: label, data: values, backgroundColor: colour, borderWidth: 0 };
  }

  function options(stacked, unit) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: stacked, ticks: { maxRotation: 0, autoSkipPadding: 12 } },
        y: {
          stacked: stacked, beginAtZero: true, title: { display: true, text: unit },
          // A few significant digits, never Chart.js's exponent form for tiny GB figures.
          ticks: { callback: function (value) {
            return Number(value).toLocaleString(undefined, { maximumSignificantDigits: 3 });
          } },
        },
      },
    };
  }

  function dayLabels(days) {
    return days.map(function (day) { return day.slice(8); });
  }

  function drawGroup(group) {
    var source = document.getElementById(group.dataset.usageCharts);
    if (!source || group.dataset.drawn || typeof window.Chart === "undefined") {
      return;
    }
    group.dataset.drawn = "yes";
    var data = JSON.parse(source.textContent);
    var labels = dayLabels(data.days);

    new window.Chart(group.querySelector('[data-chart="requests"]'), {
      type: "bar",
      data: {
        labels: labels,
        datasets: ["put", "get", "list", "other"].map(function (kind) {
          return bars(kind, data.requests[kind], COLOURS[kind]);
        }),
      },
      options: options(true, "requests"),
    });
    new window.Chart(group.querySelector('[data-chart="traffic"]'), {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          bars("uploaded", data.gb.uploaded, COLOURS.uploaded),
          bars("downloaded", data.gb.downloaded, COLOURS.downloaded),
        ],
      },
      options: options(false, "GB"),
    });
    new window.Chart(group.querySelector('[data-chart="storage"]'), {
      type: "line",
      data: {
        labels: labels,
        datasets: [{
          label: "stored",
          data: data.gb_stored,
          borderColor: COLOURS.stored,
          backgroundColor: COLOURS.stored,
          pointRadius: 2,
          fill: false,
        }],
      },
      options: options(false, "GB"),
    });
  }

  function drawWithin(root) {
    if (root.matches && root.matches("[data-usage-charts]")) {
      drawGroup(root);
    }
    if (root.querySelectorAll) {
      root.querySelectorAll("[data-usage-charts]").forEach(drawGroup);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { drawWithin(document); });
  document.addEventListener("htmx:load", function (event) { drawWithin(event.detail.elt); });
})();
