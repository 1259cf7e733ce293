// vulnwatch pages: a little progressive JavaScript. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Forms that ask before they send (data-confirm="question").
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  }
});
