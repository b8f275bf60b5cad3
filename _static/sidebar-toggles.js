// The sidebar buttons (the chapter list, "on this page") must open their drawers on a
// phone and collapse the sidebar on a desktop. The theme binds its handlers to the first
// .primary-toggle / .secondary-toggle of the page, which is pydata-sphinx-theme's own
// header button, hidden by sphinx-book-theme (pydata/pydata-sphinx-theme#2451); the
// visible buttons in the article header get no handler. Forward their clicks to the
// bound one while it is hidden.
document.addEventListener("DOMContentLoaded", function () {
  ["primary", "secondary"].forEach(function (side) {
    var buttons = Array.from(document.querySelectorAll("." + side + "-toggle"));
    var bound = buttons[0];
    buttons.slice(1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (bound.offsetParent !== null) { return; }  // the theme's own button is shown
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    });
  });
});
