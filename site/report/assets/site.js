/* Behaviour every page shares; a classic script (file:// pages run it), loaded last.
   - Wide tables scroll inside their own box; a box that does scroll gets class "overflowing",
     which style.css turns into a visible hint.
   - The table of contents is open beside the text on wide screens; on narrow ones it starts
     folded above the text. */
(function () {
  "use strict";
  function markWideTables() {
    Array.prototype.forEach.call(document.querySelectorAll(".table-scroll"), function (holder) {
      holder.classList.toggle("overflowing", holder.scrollWidth > holder.clientWidth + 1);
    });
  }
  markWideTables();
  window.addEventListener("resize", markWideTables);
  // A <details> opening reveals tables that had no width while folded.
  document.addEventListener("toggle", markWideTables, true);

  var toc = document.querySelector("details.toc");
  if (toc && window.matchMedia && window.matchMedia("(max-width: 1100px)").matches) {
    toc.open = false;
  }
})();
