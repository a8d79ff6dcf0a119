// Taking an exam (kefu.training): the countdown to the server's deadline, saving answers
// as they change, the confirmation before submitting and, in a closed-book exam, no
// pasting and a warning before leaving. A courtesy only: the server keeps the deadline,
// refuses late answers and grades what was saved.
(function () {
  "use strict";

  var form = document.getElementById("exam-paper");
  if (!form) {
    return;
  }
  var timer = document.getElementById("timer");
  var state = document.getElementById("save-state");
  var closedBook = form.getAttribute("data-closed-book") === "1";
  var end = Date.now() + Number(form.getAttribute("data-seconds-left") || 0) * 1000;
  var leaving = false; // a submission on its way: no warning
  var saveTimer = null;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function submitNow() {
    leaving = true;
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "submit";
    form.appendChild(action);
    form.submit();
  }

  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var h = Math.floor(left / 3600);
    var m = Math.floor((left % 3600) / 60);
    var s = left % 60;
    if (timer) {
      timer.textContent = (h ? h + ":" + pad(m) : pad(m)) + ":" + pad(s);
      timer.classList.toggle("ex-timer-low", left <= 60);
    }
    if (left === 0) {
      window.clearInterval(interval);
      submitNow();
    }
  }

  function save() {
    saveTimer = null;
    var data = new FormData(form);
    fetch(form.getAttribute("data-save-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, status: response.status, body: body };
        });
      })
      .then(function (result) {
        if (result.ok) {
          state.textContent = form.getAttribute("data-saved") + " " + result.body.saved_at;
        } else if (result.status === 409) {
          leaving = true; // finished or the time is up: the server shows the result
          window.location.reload();
        } else {
          state.textContent = form.getAttribute("data-save-failed") + ": " + result.body.detail;
        }
      })
      .catch(function () {
        state.textContent = form.getAttribute("data-save-failed");
      });
  }

  function saveSoon(delay) {
    if (saveTimer) {
      window.clearTimeout(saveTimer);
    }
    saveTimer = window.setTimeout(save, delay);
  }

  form.addEventListener("change", function () {
    saveSoon(300);
  });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text") {
      saveSoon(2000);
    }
  });
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.value === "submit") {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        return;
      }
    }
    leaving = true;
  });

  if (closedBook) {
    var refuse = function (event) {
      event.preventDefault();
      state.textContent = form.getAttribute("data-paste-blocked");
    };
    document.addEventListener("paste", refuse);
    document.addEventListener("drop", refuse);
    window.addEventListener("beforeunload", function (event) {
      if (!leaving) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  var interval = window.setInterval(tick, 1000);
  tick();
})();

// The exam form: the session picker shows the sessions of the course chosen (the
// server offers upcoming and recent ones and checks the course again).
(function () {
  "use strict";

  var course = document.getElementById("id_course");
  var session = document.getElementById("id_session");
  if (!course || !session) {
    return;
  }

  function narrow() {
    var wanted = course.value;
    Array.prototype.forEach.call(session.options, function (option) {
      var of = option.getAttribute("data-course");
      var shown = option.value === "" || !wanted || of === wanted;
      option.hidden = !shown;
      option.disabled = !shown;
      if (!shown && option.selected) {
        session.value = "";
      }
    });
  }

  course.addEventListener("change", narrow);
  narrow();
})();
