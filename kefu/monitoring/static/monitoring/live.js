/* Live monitoring pages: the console, silent listening, the agent workspace, the report.
   Each page holds a root element with data-ws (its WebSocket path); pushes arrive as
   {type: "live.update" (state, alerts?, messages?) | "live.alerts" (alerts pushed late) |
   "live.ended" | "live.suggestion" | "live.intervention" | "live.result"} and are applied
   to the page.
   Sockets reconnect with back-off; the server checks access when a socket opens. */
(function () {
  "use strict";

  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  // A conversation id as one URL segment, as Django reverses it
  // (kefu/interactions/converters.py ExternalIdConverter.to_url, then percent-encoded).
  function externalIdUrl(id) {
    const segment = /^\.+$/.test(id) ? id.replace(/\./g, "%2E")
      : id.replace(/%/g, "%25").replace(/\//g, "%2F").replace(/\\/g, "%5C");
    return encodeURIComponent(segment);
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function connect(path, onEvent) {
    const status = document.getElementById("live-status");
    let delay = 500;
    let socket = null;
    function open() {
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + path);
      socket.onopen = function () {
        delay = 500;
        if (status) { status.textContent = status.dataset.connected; status.classList.add("ok"); }
      };
      socket.onmessage = function (e) { onEvent(JSON.parse(e.data)); };
      socket.onclose = function (e) {
        if (status) { status.textContent = status.dataset.disconnected; status.classList.remove("ok"); }
        if (e.code === 4403) return; // refused: reconnecting will not help
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      };
    }
    open();
    return { send: function (data) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(data)); } };
  }

  const labelsNode = document.getElementById("live-labels");
  const LABELS = labelsNode ? JSON.parse(labelsNode.textContent) : { roles: {}, rules: {} };

  function riskClass(risk) { return risk >= 60 ? "high" : risk >= 30 ? "mid" : "low"; }

  function alertItem(a, lang, listenUrl) {
    const li = el("li", "alert-item sev-" + a.severity + " fresh");
    li.dataset.alert = a.id;
    li.dataset.rule = a.rule;
    const head = el("div", "alert-head");
    head.appendChild(el("strong", "", (a.name && (a.name[lang] || a.name.zh)) || a.rule));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(el("span", "muted", (a.created_at || "").slice(11, 19)));
    li.appendChild(head);
    li.appendChild(el("div", "alert-evidence", a.evidence || ""));
    const foot = el("div", "alert-foot");
    if (listenUrl) {
      const link = el("a", "", a.conversation);
      link.href = listenUrl.replace("CONV", externalIdUrl(a.conversation));
      foot.appendChild(link);
      foot.appendChild(document.createTextNode(" · " + a.message_id));
    } else {
      foot.textContent = a.message_id;
    }
    li.appendChild(foot);
    return li;
  }

  function shown(list, alert) {
    return list.querySelector('[data-alert="' + alert.id + '"]') !== null;
  }

  function prepend(list, item, max) {
    const none = list.querySelector(".alert-none");
    if (none) none.remove();
    list.insertBefore(item, list.firstChild);
    while (max && list.children.length > max) list.lastChild.remove();
  }

  function beep() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.18);
    } catch (err) { /* no audio: the visual mark is enough */ }
  }

  /* --- the supervisor console ------------------------------------------------------ */
  function console_(root) {
    const lang = root.dataset.lang;
    const listenUrl = root.dataset.listenUrl;
    const rows = document.getElementById("live-rows");
    const alerts = document.getElementById("live-alerts");
    const sound = document.getElementById("live-sound");
    const ringing = new Set((root.dataset.soundRules || "").split(",").filter(Boolean));

    function row(state) {
      let tr = rows.querySelector('tr[data-conversation="' + CSS.escape(state.conversation) + '"]');
      if (!state.is_live) { if (tr) tr.remove(); return; }
      if (!tr) {
        const empty = rows.querySelector(".live-empty");
        if (empty) empty.remove();
        tr = el("tr");
        tr.dataset.conversation = state.conversation;
        ["num risk-cell", "conv", "agent", "waiting nowrap", "sla nowrap", "last muted", "rules"].forEach(function (c) { tr.appendChild(el("td", c)); });
        const link = el("a", "", state.conversation);
        link.href = listenUrl.replace("CONV", externalIdUrl(state.conversation));
        tr.children[1].appendChild(link);
        rows.appendChild(tr);
      }
      tr.dataset.risk = state.risk;
      tr.dataset.waitingSince = state.waiting_since || "";
      tr.dataset.slaDue = state.sla_due || "";
      tr.dataset.slaWarn = state.sla_warn_s == null ? "" : String(state.sla_warn_s);
      tr.children[0].innerHTML = "";
      tr.children[0].appendChild(el("span", "risk risk-" + riskClass(state.risk), String(state.risk)));
      tr.children[2].textContent = (state.agent || "—") + " " + (state.team || "");
      tr.children[5].textContent = state.last_text || "";
      tr.children[6].innerHTML = "";
      Object.keys(state.rules || {}).forEach(function (r) {
        tr.children[6].appendChild(el("span", "qa-chip", LABELS.rules[r] || r));
        tr.children[6].appendChild(document.createTextNode(" "));
      });
      slaCell(tr, Date.now());
      sortRows();
      slaCounts();
    }

    function sortRows() {
      const list = Array.from(rows.querySelectorAll("tr[data-conversation]"));
      list.sort(function (a, b) { return Number(b.dataset.risk) - Number(a.dataset.risk); });
      list.forEach(function (tr) { rows.appendChild(tr); });
      document.getElementById("live-count").textContent = list.length;
    }

    // The wait against its service-level deadline (kefu.monitoring.core.live.sla_state):
    // breached once due, about to breach within sla_warn_s of it.
    function slaState(tr, now) {
      if (!tr.dataset.slaDue) return "";
      const left = (Date.parse(tr.dataset.slaDue) - now) / 1000;
      if (left <= 0) return "breached";
      return left <= Number(tr.dataset.slaWarn || 0) ? "at_risk" : "ok";
    }

    function slaCell(tr, now) {
      const cell = tr.querySelector(".sla");
      if (!cell) return;
      const state = slaState(tr, now);
      if (cell.dataset.state === state) return;
      cell.dataset.state = state;
      cell.innerHTML = "";
      if (state) cell.appendChild(el("span", "badge sla-" + state, (LABELS.sla || {})[state] || state));
      else cell.textContent = "—";
    }

    function slaCounts() {
      const counts = { at_risk: 0, breached: 0 };
      rows.querySelectorAll("td.sla").forEach(function (cell) {
        if (cell.dataset.state in counts) counts[cell.dataset.state] += 1;
      });
      const atRisk = document.getElementById("sla-at-risk-count");
      const breached = document.getElementById("sla-breached-count");
      if (atRisk) atRisk.textContent = counts.at_risk;
      if (breached) breached.textContent = counts.breached;
    }

    function tick() {
      const now = Date.now();
      rows.querySelectorAll("tr[data-conversation]").forEach(function (tr) {
        const since = tr.dataset.waitingSince;
        const cell = tr.querySelector(".waiting");
        if (cell) cell.textContent = since ? Math.max(0, Math.round((now - Date.parse(since)) / 1000)) + " s" : "—";
        slaCell(tr, now);
      });
      slaCounts();
    }
    setInterval(tick, 1000);

    connect(root.dataset.ws, function (event) {
      if (event.type === "live.update" || event.type === "live.alerts") {
        if (event.state) row(event.state);
        let ring = false;
        (event.alerts || []).forEach(function (a) {
          if (shown(alerts, a)) return;  // pushed again by live_push_missed
          prepend(alerts, alertItem(a, lang, listenUrl), 200);
          const tr = rows.querySelector('tr[data-conversation="' + CSS.escape(a.conversation) + '"]');
          if (tr) { tr.classList.add("flash-row"); setTimeout(function () { tr.classList.remove("flash-row"); }, 2500); }
          if (ringing.size === 0 || ringing.has(a.rule)) ring = true;
        });
        if (ring && sound && sound.checked) beep();
      } else if (event.type === "live.ended") {
        const tr = rows.querySelector('tr[data-conversation="' + CSS.escape(event.conversation) + '"]');
        if (tr) tr.remove();
        sortRows();
        slaCounts();
      }
    });
  }

  /* --- silent listening ------------------------------------------------------------ */
  function message(m) {
    const box = el("div", "msg msg-" + m.role);
    box.dataset.message = m.id;
    box.appendChild(el("div", "msg-meta", (LABELS.roles[m.role] || m.role) + " · " + (m.at || "").slice(11, 19)));
    box.appendChild(el("div", "msg-body", m.text));
    return box;
  }

  function addMessages(chat, messages) {
    messages.forEach(function (m) {
      if (!chat.querySelector('[data-message="' + CSS.escape(m.id) + '"]')) chat.appendChild(message(m));
    });
    chat.scrollTop = chat.scrollHeight;
  }

  function listen(root) {
    const lang = root.dataset.lang;
    const chat = document.getElementById("listen-messages");
    const alerts = document.getElementById("live-alerts");
    const history = document.getElementById("listen-interventions");
    const template = document.getElementById("id_template");
    const text = document.getElementById("id_text");
    if (template) template.addEventListener("change", function () {
      const opt = template.selectedOptions[0];
      if (opt && opt.dataset.text) text.value = opt.dataset.text;
    });
    connect(root.dataset.ws, function (event) {
      if (event.type === "live.update" || event.type === "live.alerts") {
        addMessages(chat, event.messages || []);
        if (event.state) document.getElementById("listen-risk").textContent = event.state.risk;
        (event.alerts || []).forEach(function (a) {
          if (!shown(alerts, a)) prepend(alerts, alertItem(a, lang, null));
        });
      } else if (event.type === "live.suggestion" || event.type === "live.intervention") {
        const item = event.item;
        let li = history.querySelector('[data-intervention="' + item.id + '"]');
        if (!li) { li = el("li"); li.dataset.intervention = item.id; prepend(history, li); }
        li.textContent = item.kind_label + " · " + item.supervisor + (item.text ? " — " + item.text : "") + (item.status ? " [" + item.status + "]" : "");
      }
    });
  }

  /* --- the agent workspace ------------------------------------------------------------ */
  function workspace(root) {
    const list = document.getElementById("workspace-suggestions");
    const socket = connect(root.dataset.ws, function (event) {
      if (event.type === "live.update" && event.messages) {
        const card = root.querySelector('.workspace-conv[data-conversation="' + CSS.escape(event.conversation) + '"]');
        if (card) addMessages(card.querySelector(".chat"), event.messages);
        else location.reload(); // a conversation newly assigned: render it whole
      } else if (event.type === "live.suggestion") {
        const s = event.item;
        const li = el("li", "suggestion fresh");
        li.dataset.suggestion = s.id;
        li.dataset.conversation = s.conversation;
        const head = el("div", "alert-head");
        head.appendChild(el("strong", "", s.conversation));
        head.appendChild(document.createTextNode(" "));
        head.appendChild(el("span", "muted", s.supervisor));
        li.appendChild(head);
        li.appendChild(el("div", "suggestion-text", s.text));
        const actions = el("div", "suggestion-actions");
        actions.appendChild(el("button", "btn use", list.dataset.use));
        actions.appendChild(document.createTextNode(" "));
        actions.appendChild(el("button", "btn btn-secondary dismiss", list.dataset.dismiss));
        actions.querySelectorAll("button").forEach(function (b) { b.type = "button"; });
        li.appendChild(actions);
        prepend(list, li);
      } else if (event.type === "live.intervention" && event.item.kind !== "suggestion") {
        const li = el("li", "suggestion notice", event.item.kind_label + " · " + event.item.supervisor + (event.item.text ? " — " + event.item.text : ""));
        prepend(list, li);
      }
    });
    list.addEventListener("click", function (e) {
      const li = e.target.closest(".suggestion");
      if (!li || !li.dataset.suggestion) return;
      if (e.target.classList.contains("use")) {
        const card = root.querySelector('.workspace-conv[data-conversation="' + CSS.escape(li.dataset.conversation) + '"]');
        if (card) {
          card.querySelector("textarea").value = li.querySelector(".suggestion-text").textContent;
          card.querySelector("input[name=suggestion]").value = li.dataset.suggestion;
          card.querySelector("textarea").focus();
        }
        li.classList.add("used");
      } else if (e.target.classList.contains("dismiss")) {
        socket.send({ action: "dismiss", suggestion: li.dataset.suggestion });
        li.remove();
      }
    });
    root.addEventListener("submit", function (e) {
      const form = e.target.closest(".reply-form");
      if (!form) return;
      e.preventDefault();
      const card = form.closest(".workspace-conv");
      const text = form.querySelector("textarea").value.trim();
      if (!text) return;
      const suggestion = form.querySelector("input[name=suggestion]").value;
      socket.send({ action: "reply", conversation: card.dataset.conversation, text: text, suggestion: suggestion || null });
      form.querySelector("textarea").value = "";
      form.querySelector("input[name=suggestion]").value = "";
      if (suggestion) {
        const li = list.querySelector('[data-suggestion="' + CSS.escape(suggestion) + '"]');
        if (li) li.remove();
      }
    });
  }

  /* --- the report chart ----------------------------------------------------------------- */
  function report() {
    const node = document.getElementById("report-chart");
    const data = JSON.parse(document.getElementById("report-data").textContent);
    const labels = document.getElementById("report-labels").dataset;
    if (!window.echarts) return;
    const chart = window.echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: { type: "category", data: data.months },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + "%"; } } }],
      series: [
        { name: labels.conversations, type: "bar", data: data.interventions },
        { name: labels.avoided, type: "line", yAxisIndex: 1, data: data.avoided_rate },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const c = document.getElementById("live-console");
    if (c) console_(c);
    const l = document.getElementById("live-listen");
    if (l) listen(l);
    const w = document.getElementById("live-workspace");
    if (w) workspace(w);
    if (document.getElementById("report-chart")) report();
  });
  window.kefuLive = { csrf: csrf };
})();
