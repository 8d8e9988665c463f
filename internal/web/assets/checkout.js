// Kasa hosted checkout: help while typing (grouping, card brand, Luhn,
// expiry, messages in the page's language) and a single submission. It never
// sends card data anywhere but the form's own POST, and the server validates
// everything again. Loaded from Kasa's origin with an SRI hash; the page has
// no inline script. Uses textContent only (the CSP requires Trusted Types
// for script sinks, which this file never touches).
(function () {
  "use strict";
  var form = document.getElementById("pay");
  if (!form) {
    return;
  }
  var number = document.getElementById("number");
  var exp = document.getElementById("exp");
  var cvc = document.getElementById("cvc");
  var holder = document.getElementById("holder");
  var brandBadge = document.getElementById("brand");
  var submit = document.getElementById("submit");
  var brandNames = { visa: "VISA", mastercard: "Mastercard", troy: "TROY", amex: "AMEX" };

  function msg(key) {
    return form.getAttribute("data-msg-" + key) || "";
  }

  function digits(s) {
    return s.replace(/\D/g, "");
  }

  // Mirrors card.BrandOf: Troy (9792, 65 but not 6500) first, then Amex,
  // Visa and Mastercard (51-55, 2221-2720).
  function brandOf(d) {
    if (/^9792/.test(d) || (/^65/.test(d) && !/^6500/.test(d))) {
      return "troy";
    }
    if (/^3[47]/.test(d)) {
      return "amex";
    }
    if (/^4/.test(d)) {
      return "visa";
    }
    var p2 = parseInt(d.slice(0, 2), 10);
    var p4 = parseInt(d.slice(0, 4), 10);
    if ((d.length >= 2 && p2 >= 51 && p2 <= 55) || (d.length >= 4 && p4 >= 2221 && p4 <= 2720)) {
      return "mastercard";
    }
    return "";
  }

  function luhn(d) {
    var sum = 0;
    for (var i = 0; i < d.length; i++) {
      var n = d.charCodeAt(d.length - 1 - i) - 48;
      if (i % 2 === 1) {
        n *= 2;
        if (n > 9) {
          n -= 9;
        }
      }
      sum += n;
    }
    return d.length > 0 && sum % 10 === 0;
  }

  function expectedLength(brand) {
    return brand === "amex" ? 15 : 16;
  }

  // Amex is grouped 4-6-5, every other card in fours.
  function group(d, brand) {
    var sizes = brand === "amex" ? [4, 6, 5] : [4, 4, 4, 4, 3];
    var out = [];
    var at = 0;
    for (var i = 0; i < sizes.length && at < d.length; i++) {
      out.push(d.slice(at, at + sizes[i]));
      at += sizes[i];
    }
    return out.join(" ");
  }

  function checkNumber() {
    var d = digits(number.value);
    var brand = brandOf(d);
    if (d.length === 0) {
      return "number-missing";
    }
    if (d.length < expectedLength(brand)) {
      return "number-incomplete";
    }
    return luhn(d) ? "" : "number-invalid";
  }

  function checkExp() {
    var m = /^(\d{2})\s*\/\s*(\d{2}|\d{4})$/.exec(exp.value.trim());
    if (!m) {
      return "exp-invalid";
    }
    var month = parseInt(m[1], 10);
    var year = parseInt(m[2], 10);
    if (year < 100) {
      year += 2000;
    }
    if (month < 1 || month > 12) {
      return "exp-invalid";
    }
    var now = new Date();
    if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) {
      return "exp-past";
    }
    return "";
  }

  function checkCvc() {
    var want = brandOf(digits(number.value)) === "amex" ? 4 : 3;
    return new RegExp("^\\d{" + want + "}$").test(cvc.value) ? "" : "cvc-invalid";
  }

  function checkHolder() {
    return holder.value.trim() === "" ? "holder-missing" : "";
  }

  function show(input, key) {
    var field = input.closest(".field");
    var out = document.getElementById(input.id + "-error");
    out.textContent = key ? msg(key) : "";
    field.classList.toggle("invalid", !!key);
    if (key) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
    return !key;
  }

  number.addEventListener("input", function () {
    var d = digits(number.value).slice(0, 19);
    var brand = brandOf(d);
    var atEnd = number.selectionStart === number.value.length;
    if (atEnd) {
      number.value = group(d, brand);
    }
    brandBadge.textContent = brandNames[brand] || "";
    brandBadge.className = "brand" + (brand ? " " + brand : "");
    cvc.setAttribute("maxlength", brand === "amex" ? "4" : "3");
    // Live Luhn check once the number is as long as its brand's numbers.
    if (d.length >= expectedLength(brand)) {
      show(number, checkNumber());
    } else {
      show(number, "");
    }
  });
  // The installment table depends on the card: once its first 8 digits are
  // typed, ask Kasa for the options the router gives that card (only the
  // BIN leaves the page before the form is posted).
  var optionsURL = form.getAttribute("data-options");
  var fieldset = form.querySelector("fieldset.installments");
  var lastBIN = "";
  function refreshOptions() {
    var d = digits(number.value);
    var bin = d.length >= 8 ? d.slice(0, 8) : "";
    if (!fieldset || !optionsURL || bin === lastBIN || bin === "") {
      return;
    }
    lastBIN = bin;
    fetch(optionsURL + "&bin=" + bin, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (opts) {
        if (opts && bin === lastBIN) {
          renderOptions(opts);
        }
      })
      .catch(function () {});
  }
  function renderOptions(opts) {
    var checked = form.querySelector("input[name=installments]:checked");
    var keep = checked ? checked.value : "1";
    if (!opts.some(function (o) { return String(o.n) === keep; })) {
      keep = "1";
    }
    fieldset.querySelectorAll("label.option").forEach(function (l) { l.remove(); });
    var before = document.getElementById("installments-error");
    opts.forEach(function (o) {
      var label = document.createElement("label");
      label.className = "option";
      var input = document.createElement("input");
      input.type = "radio";
      input.name = "installments";
      input.value = String(o.n);
      input.checked = String(o.n) === keep;
      var name = document.createElement("span");
      name.className = "opt-name";
      name.textContent = o.name;
      var amount = document.createElement("span");
      amount.className = "opt-amount";
      amount.textContent = o.monthly;
      label.append(input, name, amount);
      if (o.total) {
        var total = document.createElement("span");
        total.className = "opt-total";
        total.textContent = form.getAttribute("data-total-label") + " " + o.total;
        label.append(total);
      }
      fieldset.insertBefore(label, before);
      input.addEventListener("change", function () { showTotal(o); });
      if (input.checked) {
        showTotal(o);
      }
    });
  }
  // The pay button shows what will be charged, commission included.
  function showTotal(o) {
    var fmt = form.getAttribute("data-pay-format");
    if (fmt) {
      submit.textContent = fmt.replace("%s", o.total || o.monthly);
    }
  }

  number.addEventListener("input", refreshOptions);

  number.addEventListener("blur", function () {
    if (number.value !== "") {
      show(number, checkNumber());
    }
  });

  exp.addEventListener("input", function (e) {
    var d = digits(exp.value).slice(0, 4);
    var deleting = e.inputType && e.inputType.indexOf("delete") === 0;
    if (d.length === 1 && d > "1") {
      d = "0" + d; // "4" can only be April
    }
    exp.value = d.length >= 2 && !(deleting && d.length === 2) ? d.slice(0, 2) + "/" + d.slice(2) : d;
    if (d.length === 4) {
      show(exp, checkExp());
    } else {
      show(exp, "");
    }
  });
  exp.addEventListener("blur", function () {
    if (exp.value !== "") {
      show(exp, checkExp());
    }
  });

  cvc.addEventListener("input", function () {
    cvc.value = digits(cvc.value).slice(0, 4);
    show(cvc, "");
  });
  cvc.addEventListener("blur", function () {
    if (cvc.value !== "") {
      show(cvc, checkCvc());
    }
  });
  holder.addEventListener("blur", function () {
    show(holder, checkHolder());
  });

  var sent = false;
  form.addEventListener("submit", function (e) {
    if (sent) {
      e.preventDefault(); // one submission per page; the server also guards
      return;
    }
    var checks = [[number, checkNumber()], [exp, checkExp()], [cvc, checkCvc()], [holder, checkHolder()]];
    var first = null;
    checks.forEach(function (c) {
      if (!show(c[0], c[1]) && !first) {
        first = c[0];
      }
    });
    if (first) {
      e.preventDefault();
      first.focus();
      return;
    }
    sent = true;
    submit.disabled = true;
    submit.textContent = msg("processing");
  });
  // A page restored by the back button may take a new submission.
  window.addEventListener("pageshow", function (e) {
    if (e.persisted) {
      sent = false;
      submit.disabled = false;
    }
  });
})();
