// The push waiting page's countdown: one tick per second (the page itself refreshes every few seconds).
(function () {
  "use strict";
  var element = document.getElementById("tempo-restante");
  if (!element) { return; }
  var left = parseInt(element.getAttribute("data-seconds"), 10);
  if (isNaN(left)) { return; }
  window.setInterval(function () {
    left = Math.max(0, left - 1);
    // As cloudauth.durations.countdown_text writes it: "1 min 59 s", then "45 s".
    var minutes = Math.floor(left / 60), seconds = left % 60;
    element.textContent = minutes ? minutes + " min " + (seconds < 10 ? "0" : "") + seconds + " s" : seconds + " s";
  }, 1000);
}());
