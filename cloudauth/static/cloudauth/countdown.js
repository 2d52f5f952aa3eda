// The push waiting page's countdown: one tick per second (the page itself refreshes every few seconds).
(function () {
  "use strict";
  var element = document.getElementById("tempo-restante");
  if (!element) { return; }
  var left = parseInt(element.getAttribute("data-seconds"), 10);
  if (isNaN(left)) { return; }
  window.setInterval(function () {
    left = Math.max(0, left - 1);
    element.textContent = left + " s";
  }, 1000);
}());
