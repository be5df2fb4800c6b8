/* Draws the charts of a page, each when it comes near the screen.

   A <figure class="vega-chart" data-chart="NAME" data-script="charts/NAME.js"> is empty until
   then; its spec lives in its own classic script (pages opened from file:// may not fetch
   JSON), which registers it as window.hpoReportCharts[NAME]. Loading only what the reader
   scrolls to keeps a version page light however many trials the charts hold. vega-bundle.js
   must be loaded first (it defines window.vegaEmbed).

   Tooltips: a mark drawn from a trial (its datum holds the trial's `number`) also shows that
   trial's parameters, read from the version's trials-data.js (window.hpoReportTrials), which
   is loaded the first time a tooltip needs it (figure attribute data-trials).

   Each figure gets data-rendered="true" (or "error") when done, so a test can tell a drawn
   chart from one still loading; window.hpoReportDrawAll() draws every chart at once (printing,
   screenshots). Classic script, not a module, so that file:// pages run it. */
(function () {
  "use strict";
  var registry = (window.hpoReportCharts = window.hpoReportCharts || {});
  var options = {
    renderer: "svg",
    // Only actions that work offline: no "open in the online editor".
    actions: { export: true, source: true, compiled: false, editor: false },
    tooltip: showTooltip
  };
  var COMPOSITE = ["hconcat", "vconcat", "concat", "facet", "repeat"];
  var started = [];

  function fail(figure, message, detail) {
    var target = figure.querySelector(".vega-target");
    if (target) {
      target.textContent = message;
    }
    figure.setAttribute("data-rendered", "error");
    console.error("hpo-report: " + message, detail || "");
  }

  /* A single or layered view takes its box's width (and follows it when the window resizes);
     a composite one (panels side by side) keeps its own layout, and CSS scales it down. */
  function fitted(spec) {
    var composite = COMPOSITE.some(function (key) { return key in spec; });
    if (composite || typeof spec.width !== "number") {
      return spec;
    }
    var copy = {};
    Object.keys(spec).forEach(function (key) { copy[key] = spec[key]; });
    copy.width = "container";
    copy.autosize = { type: "fit-x", contains: "padding" };
    return copy;
  }

  function embed(figure, name) {
    var target = figure.querySelector(".vega-target");
    var spec = registry[name];
    if (!spec) {
      fail(figure, "This chart's data did not load (" + figure.getAttribute("data-script") + ").");
      return;
    }
    if (typeof window.vegaEmbed !== "function") {
      fail(figure, "The chart library did not load (report/assets/vega-bundle.js).");
      return;
    }
    window.vegaEmbed(target, fitted(spec), options).then(function () {
      figure.setAttribute("data-rendered", "true");
      loadTrials();  // the tooltips' parameters, ready by the time the reader points at a mark
    }).catch(function (err) {
      fail(figure, "This chart could not be drawn: " + err, err);
    });
  }

  function draw(figure) {
    if (started.indexOf(figure) >= 0) {
      return;
    }
    started.push(figure);
    var name = figure.getAttribute("data-chart");
    if (registry[name]) {
      embed(figure, name);
      return;
    }
    var script = document.createElement("script");
    script.src = figure.getAttribute("data-script");
    script.onload = function () { embed(figure, name); };
    script.onerror = function () {
      fail(figure, "This chart's data did not load (" + figure.getAttribute("data-script") + ").");
    };
    document.head.appendChild(script);
  }

  var figures = Array.prototype.slice.call(document.querySelectorAll("figure.vega-chart[data-chart]"));
  window.hpoReportDrawAll = function () { figures.forEach(draw); };
  window.addEventListener("beforeprint", window.hpoReportDrawAll);
  if (!("IntersectionObserver" in window)) {
    window.hpoReportDrawAll();
  } else {
    // Start a little before a chart scrolls in, so it is usually drawn when the reader gets there.
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          draw(entry.target);
        }
      });
    }, { rootMargin: "600px 0px" });
    figures.forEach(function (figure) { observer.observe(figure); });
  }

  /* ---- Tooltips ---------------------------------------------------------------------- */
  var box = null;
  var trialsState = "absent";  // absent -> loading -> ready | failed
  var trialIndex = null;

  function trialsScript() {
    var holder = document.querySelector("figure.vega-chart[data-trials]");
    return holder ? holder.getAttribute("data-trials") : null;
  }

  function loadTrials() {
    var src = trialsScript();
    if (trialsState !== "absent" || !src) {
      return;
    }
    trialsState = "loading";
    var script = document.createElement("script");
    script.src = src;
    script.onload = function () { trialsState = window.hpoReportTrials ? "ready" : "failed"; };
    script.onerror = function () { trialsState = "failed"; };
    document.head.appendChild(script);
  }

  /* The trial's parameters as [name, value] pairs (columns named param_*), or []. */
  function trialParams(number) {
    var data = window.hpoReportTrials;
    if (trialsState !== "ready" || !data || typeof number !== "number") {
      return [];
    }
    if (trialIndex === null) {
      trialIndex = {};
      data.rows.forEach(function (row) { trialIndex[row[0]] = row; });
    }
    var row = trialIndex[number];
    if (!row) {
      return [];
    }
    var pairs = [];
    data.columns.forEach(function (column, i) {
      if (column.indexOf("param_") === 0 && row[i] !== null && row[i] !== "") {
        pairs.push([column.slice(6), row[i]]);
      }
    });
    return pairs;
  }

  function cell(tag, text, className) {
    var element = document.createElement(tag);
    element.textContent = String(text);
    if (className) {
      element.className = className;
    }
    return element;
  }

  function showTooltip(handler, event, item, value) {
    if (!box) {
      box = document.createElement("div");
      box.className = "chart-tooltip";
      box.setAttribute("role", "tooltip");
      document.body.appendChild(box);
    }
    if (value === null || value === undefined || value === "") {
      box.style.display = "none";
      return;
    }
    loadTrials();
    box.textContent = "";
    var table = document.createElement("table");
    var rows = [];
    if (typeof value === "object") {
      Object.keys(value).forEach(function (key) { rows.push([key, value[key]]); });
    } else {
      rows.push(["", value]);
    }
    var datum = item && item.datum ? item.datum : null;
    var params = trialParams(datum ? datum.number : null);
    rows.forEach(function (pair) {
      var tr = document.createElement("tr");
      tr.appendChild(cell("th", pair[0]));
      tr.appendChild(cell("td", pair[1]));
      table.appendChild(tr);
    });
    params.forEach(function (pair) {
      var tr = document.createElement("tr");
      tr.appendChild(cell("th", pair[0], "param"));
      tr.appendChild(cell("td", pair[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);
    box.style.display = "block";
    // Beside the pointer, kept inside the window.
    var x = event.clientX + 14;
    var y = event.clientY + 14;
    var width = box.offsetWidth;
    var height = box.offsetHeight;
    if (x + width > window.innerWidth - 4) {
      x = Math.max(4, event.clientX - width - 14);
    }
    if (y + height > window.innerHeight - 4) {
      y = Math.max(4, event.clientY - height - 14);
    }
    box.style.left = x + "px";
    box.style.top = y + "px";
  }

})();
