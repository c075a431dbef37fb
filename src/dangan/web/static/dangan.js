// dangan: the little script the pages need (no inline scripts: the pages' Content-Security-Policy forbids them).
// Table rows of a form are added and removed here; confirmation before a disposal; printing.
(function () {
  "use strict";
  function renumber(tbody, table) {
    Array.prototype.forEach.call(tbody.querySelectorAll("tr[data-row]"), function (tr, n) {
      Array.prototype.forEach.call(tr.querySelectorAll("[name]"), function (el) {
        el.name = el.name.replace(new RegExp("^" + table + "-\\d+-"), table + "-" + n + "-");
      });
    });
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!(t instanceof Element)) return;
    var add = t.closest("[data-add-row]");
    if (add) {
      var table = add.getAttribute("data-add-row");
      var tbody = add.closest("fieldset").querySelector("tbody");
      var rows = tbody.querySelectorAll("tr[data-row]");
      var copy = rows[rows.length - 1].cloneNode(true);
      Array.prototype.forEach.call(copy.querySelectorAll("input, select, textarea"), function (el) {
        if (el.type === "checkbox") el.checked = false; else el.value = "";
      });
      tbody.appendChild(copy);
      renumber(tbody, table);
      ev.preventDefault();
      return;
    }
    var remove = t.closest("[data-remove-row]");
    if (remove) {
      var fs = remove.closest("fieldset");
      var body = fs.querySelector("tbody");
      if (body.querySelectorAll("tr[data-row]").length > 1) {
        remove.closest("tr").remove();
        renumber(body, fs.getAttribute("data-table"));
      } else {
        Array.prototype.forEach.call(remove.closest("tr").querySelectorAll("input, select, textarea"), function (el) { el.value = ""; });
      }
      ev.preventDefault();
      return;
    }
    var confirmBtn = t.closest("[data-confirm]");
    if (confirmBtn && !window.confirm(confirmBtn.getAttribute("data-confirm"))) { ev.preventDefault(); return; }
    if (t.closest("[data-print]")) { window.print(); ev.preventDefault(); }
  });
})();
