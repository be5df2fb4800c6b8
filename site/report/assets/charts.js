/* Draws every chart of a page: each <figure class="vega-chart"> holds its Vega-Lite spec in a
   <script type="application/json">. A classic script (not a module) so that pages opened from
   file:// run it; vega-bundle.js must be loaded first and defines window.vegaEmbed.
   Each figure gets data-rendered="true" (or "error") when done, so a test can tell a drawn
   chart from one still loading. */
(function () {
  "use strict";
  var options = {
    renderer: "svg",
    // Only actions that work offline: no "open in the online editor".
    actions: { export: true, source: true, compiled: false, editor: false }
  };
  var figures = document.querySelectorAll("figure.vega-chart");
  Array.prototype.forEach.call(figures, function (figure) {
    var target = figure.querySelector(".vega-target");
    var source = figure.querySelector("script.vega-spec");
    if (!target || !source) {
      return;
    }
    if (typeof window.vegaEmbed !== "function") {
      target.textContent = "The chart library did not load (report/assets/vega-bundle.js).";
      figure.setAttribute("data-rendered", "error");
      console.error("hpo-report: vegaEmbed is missing");
      return;
    }
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (err) {
      target.textContent = "This chart's specification is not valid JSON.";
      figure.setAttribute("data-rendered", "error");
      console.error("hpo-report: bad chart spec", err);
      return;
    }
    window.vegaEmbed(target, spec, options).then(function () {
      figure.setAttribute("data-rendered", "true");
    }).catch(function (err) {
      target.textContent = "This chart could not be drawn: " + err;
      figure.setAttribute("data-rendered", "error");
      console.error("hpo-report: chart failed", err);
    });
  });
})();
