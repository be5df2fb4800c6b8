/* The trial explorer: every trial of a version (window.hpoReportTrials, from trials-data.js beside
   the page) in a tabulator-tables table, sortable and filterable under each header. A classic
   script (not a module) so that pages opened from file:// run it; trials-data.js and
   tabulator.min.js must be loaded first. Words come from the page (data-* attributes of
   #trial-explorer), so that all wording stays in the templates.
   #trial-explorer gets data-ready="true" (or "error") when built and data-shown / data-total
   with every change of the filters, so a test can read what the reader sees. */
(function () {
  "use strict";
  var root = document.getElementById("trial-explorer");
  if (!root) {
    return;
  }
  var count = root.querySelector(".trial-count");
  var holder = root.querySelector(".trial-table");
  var data = window.hpoReportTrials;
  if (typeof window.Tabulator !== "function" || !data || !data.columns || !data.rows) {
    count.textContent = root.getAttribute("data-missing");
    root.setAttribute("data-ready", "error");
    console.error("hpo-report: the trial explorer's table library or data is missing");
    return;
  }
  var NON_FINITE = { "inf": Infinity, "-inf": -Infinity };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  /* A numeric cell as a number to compare; null for an empty cell and "nan" (they sort last). */
  function rank(value) {
    if (typeof value === "number") {
      return value;
    }
    return Object.prototype.hasOwnProperty.call(NON_FINITE, value) ? NON_FINITE[value] : null;
  }

  /* Six significant digits, like the report's tables; integers whole. */
  function show(value) {
    if (value === null || value === undefined) {
      return "";
    }
    if (typeof value === "number" && !Number.isInteger(value)) {
      return String(Number(value.toPrecision(6)));
    }
    return String(value);
  }

  function numericSorter(a, b, aRow, bRow, column, dir) {
    var x = rank(a);
    var y = rank(b);
    if (x === null || y === null) {
      if (x === y) {
        return 0;
      }
      var last = x === null ? 1 : -1; // empty cells last in either direction
      return dir === "asc" ? last : -last;
    }
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /* ">0.5", "<=10", "=32", "0.1..0.3", else the text as shown (or as stored) contains the term. */
  function numericFilter(term, value) {
    var text = String(term).trim();
    if (text === "") {
      return true;
    }
    var x = rank(value);
    var compare = /^(<=|>=|<|>|=)\s*(\S+)$/.exec(text);
    if (compare) {
      var t = Number(compare[2]);
      if (x === null || isNaN(t)) {
        return false;
      }
      switch (compare[1]) {
        case "<": return x < t;
        case "<=": return x <= t;
        case ">": return x > t;
        case ">=": return x >= t;
        default: return x === t;
      }
    }
    var range = /^(\S+?)\s*\.\.\s*(\S+)$/.exec(text);
    if (range && !isNaN(Number(range[1])) && !isNaN(Number(range[2]))) {
      return x !== null && x >= Number(range[1]) && x <= Number(range[2]);
    }
    var needle = text.toLowerCase();
    return value !== null && (show(value).toLowerCase().indexOf(needle) !== -1 ||
      String(value).toLowerCase().indexOf(needle) !== -1);
  }

  function isNumeric(index) {
    var seen = false;
    for (var r = 0; r < data.rows.length; r++) {
      var v = data.rows[r][index];
      if (typeof v === "number") {
        seen = true;
      } else if (v !== null && v !== "nan" && rank(v) === null) {
        return false;
      }
    }
    return seen;
  }

  var placeholder = root.getAttribute("data-filter-placeholder") || "";
  var columns = data.columns.map(function (name, index) {
    var field = "c" + index; // not the name: a parameter's name may hold dots or brackets
    var title = escapeHtml(name.indexOf("param_") === 0 ? name.slice("param_".length) : name);
    var column = { title: title, field: field, headerFilterPlaceholder: placeholder };
    if (name === "state") {
      var states = {};
      data.rows.forEach(function (row) {
        if (row[index] !== null) {
          states[row[index]] = true;
        }
      });
      column.headerFilter = "list";
      column.headerFilterParams = { values: Object.keys(states).sort(), clearable: true, autocomplete: true,
        allowEmpty: true, listOnEmpty: true, freetext: true };
      column.headerFilterFunc = function (term, value) {
        var t = String(term).trim().toLowerCase();
        return t === "" || (value !== null && String(value).toLowerCase() === t);
      };
      column.headerFilterPlaceholder = root.getAttribute("data-state-any") || placeholder;
    } else if (isNumeric(index)) {
      column.sorter = numericSorter;
      column.hozAlign = "right";
      column.formatter = function (cell) {
        return escapeHtml(show(cell.getValue()));
      };
      column.headerFilter = "input";
      column.headerFilterFunc = numericFilter;
    } else {
      column.sorter = "alphanum";
      column.headerFilter = "input";
      column.headerFilterFunc = "like";
    }
    if (index === 0) {
      column.frozen = true;
    }
    return column;
  });
  var rows = data.rows.map(function (row) {
    var record = {};
    for (var i = 0; i < row.length; i++) {
      record["c" + i] = row[i];
    }
    return record;
  });

  var format = root.getAttribute("data-count") || "{shown} / {total}";
  function update(shown) {
    root.setAttribute("data-shown", String(shown));
    root.setAttribute("data-total", String(rows.length));
    count.textContent = format.replace("{shown}", String(shown)).replace("{total}", String(rows.length));
  }

  var table = new window.Tabulator(holder, {
    data: rows,
    columns: columns,
    index: "c0",
    layout: "fitData",
    maxHeight: "75vh",
    nestedFieldSeparator: false,
    headerFilterLiveFilterDelay: 200
  });
  table.on("dataFiltered", function (filters, shownRows) {
    update(shownRows.length);
  });
  table.on("tableBuilt", function () {
    update(table.getDataCount("active"));
    root.setAttribute("data-ready", "true");
  });
})();
