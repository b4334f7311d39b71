// Small behaviours of the portal's pages. No inline scripts: pages mark elements
// with data attributes and this file, served from the portal's own static files,
// gives them their behaviour.
(function () {
  "use strict";

  function textOf(selector) {
    var element = document.querySelector(selector);
    return element ? element.textContent.trim() + "\n" : "";
  }

  function say(button, words) {
    var before = button.textContent;
    button.textContent = words;
    window.setTimeout(function () { button.textContent = before; }, 2000);
  }

  // <button data-copy="#id">: copies the element's text to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var text = textOf(button.getAttribute("data-copy")).trim();
    if (!navigator.clipboard) { say(button, "Select and copy by hand"); return; }
    navigator.clipboard.writeText(text).then(
      function () { say(button, "Copied"); },
      function () { say(button, "Copy failed: select and copy by hand"); }
    );
  });

  // <button data-download="#id" data-filename="name">: saves the element's text as a
  // file, made in the browser, so that no secret travels in a URL or a second request.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-download]");
    if (!button) { return; }
    var blob = new Blob([textOf(button.getAttribute("data-download"))], {type: "text/plain"});
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = button.getAttribute("data-filename") || "download.txt";
    document.body.appendChild(link);
    link.click();
    link.remove();
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  });
})();
