/* The form-based rule and scorecard builders (templates/qa/partials/builder_tabs.html).
 *
 * The builder edits a JSON document (kefu/qa/core/builder.py describes it) and keeps it in
 * the hidden field `builder` after every change; the form posts it with editor=builder and
 * the server saves it through the same actions as YAML. The YAML tab shows the same
 * definition: switching asks the server to convert (qa:definition_convert), losslessly.
 * Plain JS, no libraries; reordering by drag and drop or by the ↑ ↓ buttons.
 */
(() => {
  "use strict";
  const pane = document.getElementById("pane-builder");
  if (!pane) return;
  const form = pane.closest("form");
  const kind = pane.dataset.kind;
  const cat = JSON.parse(document.getElementById("builder-catalogue").textContent);
  let doc = JSON.parse(document.getElementById("builder-doc").textContent);
  const S = cat.strings;
  const editorInput = document.getElementById("id_editor");
  const builderInput = document.getElementById("id_builder");
  const textarea = document.getElementById("id_definition");
  const tabs = form.querySelector(".builder-tabs");
  const tabBuilder = document.getElementById("tab-builder");
  const tabYaml = document.getElementById("tab-yaml");
  const yamlPane = document.getElementById("pane-yaml");
  const switchError = document.getElementById("builder-switch-error");
  const operators = Object.fromEntries((cat.operators || []).map((o) => [o.op, o]));
  let serial = 0;
  let pendingError = pane.dataset.errorField ? { field: pane.dataset.errorField, text: pane.dataset.error } : null;

  // --- helpers ---------------------------------------------------------------------------
  function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") el.textContent = value;
      else if (key === "className") el.className = value;
      else if (key === "dataset") {
        for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) el.dataset[k] = v;
      } else if (key === "value") el.value = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key in el && typeof value !== "string") el[key] = value;
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) if (child) el.append(child);
    return el;
  }
  const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_, k) => values[k]);
  const newId = () => `b-${++serial}`;
  const sync = () => { builderInput.value = JSON.stringify(doc); };
  const changed = () => sync();
  function rerender() { render(); sync(); }
  function button(text, label, onclick, className = "btn-mini") {
    return h("button", { type: "button", className, text, "aria-label": label, title: label, onclick });
  }
  // ↑ ↓ × of a condition, section or item (`what`: move-up, move-down or remove)
  const tool = (text, label, what, onclick) => button(text, label, onclick, `btn-mini ${what}`);
  function move(list, from, to) {
    if (to < 0 || to >= list.length || from === to) return;
    const [x] = list.splice(from, 1);
    list.splice(to, 0, x);
  }
  function field(label, control, path, alias) {
    const id = control.id || (control.id = newId());
    return h("div", { className: "b-field", dataset: { path, alias } }, h("label", { for: id, text: label }), control);
  }
  function setOrDelete(obj, key, value) {
    if (value === undefined || value === "") delete obj[key];
    else obj[key] = value;
    changed();
  }
  function textInput(obj, key, { required = false, placeholder } = {}) {
    return h("input", {
      type: "text", value: obj[key] ?? "", placeholder,
      oninput: (e) => (required ? ((obj[key] = e.target.value), changed()) : setOrDelete(obj, key, e.target.value)),
    });
  }
  function numberInput(obj, key, { integer = false, minimum = null, placeholder } = {}) {
    return h("input", {
      type: "number", className: "narrow", value: obj[key] ?? "", step: integer ? "1" : "any",
      min: minimum ?? undefined, placeholder,
      oninput: (e) => {
        const raw = e.target.value;
        const value = raw === "" ? undefined : integer ? parseInt(raw, 10) : Number(raw);
        setOrDelete(obj, key, Number.isNaN(value) ? undefined : value);
      },
    });
  }
  function select(options, current, onchange) {
    const el = h("select", { onchange: (e) => onchange(e.target.value) },
      options.map(([value, label]) => h("option", { value, text: label })));
    if (current !== undefined && current !== null && !options.some(([v]) => v === String(current))) {
      el.append(h("option", { value: String(current), text: String(current) }));
    }
    el.value = current === undefined || current === null ? "" : String(current);
    return el;
  }
  // Words as chips: Enter adds one, × removes it.
  function chips(obj, key, { options = [], placeholder = S.chip_hint } = {}) {
    const box = h("div", { className: "chips" });
    const list = h("ul", { className: "chip-list" });
    const input = h("input", { type: "text", placeholder, className: "chip-input" });
    if (options.length) {
      const datalist = h("datalist", { id: newId() }, options.map(([v, label]) => h("option", { value: v, text: label })));
      input.setAttribute("list", datalist.id);
      box.append(datalist);
    }
    function draw() {
      const words = Array.isArray(obj[key]) ? obj[key] : obj[key] === undefined ? [] : [obj[key]];
      list.replaceChildren(...words.map((word, i) => h("li", { className: "chip" },
        h("span", { text: String(word) }),
        button("×", fmt(S.remove_chip, { word }), () => {
          words.splice(i, 1);
          if (words.length) obj[key] = words; else delete obj[key];
          changed();
          draw();
        }, "chip-remove"))));
    }
    input.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      const word = input.value.trim();
      if (!word) return;
      const words = Array.isArray(obj[key]) ? obj[key] : obj[key] === undefined ? [] : [obj[key]];
      if (!words.includes(word)) words.push(word);
      obj[key] = words;
      input.value = "";
      changed();
      draw();
    });
    draw();
    box.prepend(list);
    box.append(input);
    return { box, input };
  }
  // A name: one text, or {zh, en} as two fields.
  function nameFields(obj, key, path, alias) {
    const value = obj[key];
    if (value && typeof value === "object") {
      return [
        field(S.name_zh, textInput(value, "zh", { required: true }), `${path}`, alias),
        field(S.name_en, textInput(value, "en", { required: true }), `${path}`, alias),
      ];
    }
    return [field(S.name, textInput(obj, key), path, alias)];
  }

  // --- rules -----------------------------------------------------------------------------
  const NEW_CONDITION = () => ({ op: "must_not_say", params: { role: "agent" } });
  const isGroup = (op) => op === "all" || op === "any" || op === "not";

  function changeOp(node, op) {
    const old = { ...node };
    for (const key of Object.keys(node)) delete node[key];
    node.op = op;
    if (isGroup(op)) {
      let children = isGroup(old.op) ? old.children || [] : [old];
      if (op === "not" && children.length > 1) children = [{ op: "all", children }];
      node.children = children;
    } else {
      const allowed = new Set(operators[op].params.map((p) => p.name));
      const params = {};
      for (const [k, v] of Object.entries(old.params || {})) if (allowed.has(k)) params[k] = v;
      node.params = params;
    }
  }

  function paramField(node, spec, path) {
    const params = node.params;
    const name = spec.name;
    const shown = (v) => spec.choice_labels[v] || v;
    const hint = spec.default !== null && spec.default !== undefined ? fmt(S.default, { value: shown(String(spec.default)) }) : "";
    let control;
    if (spec.kind === "choice") {
      control = select([["", hint || S.unset], ...spec.choices.map((c) => [c, shown(c)])], params[name],
        (v) => setOrDelete(params, name, v));
    } else if (spec.kind === "lexicon") {
      control = select([["", S.none], ...cat.lexicons.map((l) => [l, l])], params[name],
        (v) => setOrDelete(params, name, v));
    } else if (spec.kind === "chips") {
      const c = chips(params, name);
      return h("div", { className: "b-field", dataset: { path } }, h("label", { for: c.input.id = newId(), text: spec.label }), c.box);
    } else if (spec.kind === "bool") {
      if (spec.default === null) {
        control = select([["", S.unset], ["true", S.yes], ["false", S.no]],
          params[name] === undefined ? "" : String(params[name]),
          (v) => setOrDelete(params, name, v === "" ? undefined : v === "true"));
      } else {
        control = h("input", { type: "checkbox", checked: params[name] ?? spec.default,
          onchange: (e) => setOrDelete(params, name, e.target.checked === spec.default && !(name in params) ? undefined : e.target.checked) });
        const id = (control.id = newId());
        return h("div", { className: "b-field check", dataset: { path } }, control, h("label", { for: id, text: spec.label }));
      }
    } else if (spec.kind === "int" || spec.kind === "number") {
      control = numberInput(params, name, { integer: spec.kind === "int", minimum: spec.minimum, placeholder: hint });
      if (spec.required) control.required = true;
    } else {
      control = textInput(params, name, { placeholder: hint });
      if (spec.required) control.required = true;
    }
    return field(spec.label, control, path);
  }

  function renderNode(node, path, siblings, index) {
    const box = h("div", { className: "cond", dataset: { path } });
    const tools = [];
    if (siblings) {
      tools.push(
        tool("↑", S.move_up, "move-up", () => { move(siblings, index, index - 1); rerender(); }),
        tool("↓", S.move_down, "move-down", () => { move(siblings, index, index + 1); rerender(); }),
        tool("×", S.remove, "remove", () => { siblings.splice(index, 1); rerender(); }),
      );
    }
    if ("raw" in node || (node.op && !operators[node.op])) {
      box.append(h("div", { className: "cond-head" }, h("span", { className: "muted", text: "raw" in node ? S.raw : S.unknown }), ...tools),
        h("pre", { className: "code", text: JSON.stringify("raw" in node ? node.raw : node, null, 1) }));
      return box;
    }
    const opSelect = select(cat.operators.map((o) => [o.op, `${o.label} (${o.op})`]), node.op, (op) => { changeOp(node, op); rerender(); });
    opSelect.id = newId();
    opSelect.className = "cond-op";
    opSelect.setAttribute("aria-label", S.condition);
    box.append(h("div", { className: "cond-head" }, opSelect, ...tools));
    if (isGroup(node.op)) {
      box.classList.add("cond-group");
      const children = node.children || (node.children = []);
      const childPath = (i) => (node.op === "not" ? `${path}.not` : `${path}.${node.op}[${i}]`);
      box.append(h("div", { className: "cond-children" }, children.map((c, i) => renderNode(c, childPath(i), children, i))));
      if (node.op !== "not" || children.length === 0) {
        box.append(h("div", { className: "cond-add" },
          button(`+ ${S.add_condition}`, S.add_condition, () => { children.push(NEW_CONDITION()); rerender(); }, "btn btn-secondary btn-small add-condition"),
          button(`+ ${S.add_group}`, S.add_group, () => { children.push({ op: "any", children: [] }); rerender(); }, "btn btn-secondary btn-small add-group")));
      }
      return box;
    }
    const params = node.params || (node.params = {});
    const spec = operators[node.op].params;
    const known = new Set(spec.map((p) => p.name));
    box.append(h("div", { className: "cond-params" },
      spec.map((p) => paramField(node, p, `${path}.${node.op}.${p.name}`)),
      Object.keys(params).filter((k) => !known.has(k)).map((k) =>
        h("p", { className: "muted", dataset: { path: `${path}.${node.op}.${k}` }, text: `${k}: ${JSON.stringify(params[k])}` }))));
    return box;
  }

  // An existing rule keeps its id (results and scorecards refer to it): shown, not edited.
  function idInput() {
    const input = textInput(doc, "id", { required: true });
    if (pane.dataset.fixedId) {
      input.value = doc.id = pane.dataset.fixedId;
      input.readOnly = true;
      input.setAttribute("aria-readonly", "true");
      input.title = S.id_fixed || "";
    }
    return input;
  }

  function renderRule() {
    const when = h("fieldset", { className: "b-when", dataset: { path: "when" } }, h("legend", { text: S.when }));
    if (doc.when) {
      when.append(renderNode(doc.when, "when", null, 0));
      if (!isGroup(doc.when.op) && !("raw" in doc.when)) {
        when.append(button(`+ ${S.add_condition}`, S.add_condition, () => {
          doc.when = { op: "all", children: [doc.when, NEW_CONDITION()] };
          rerender();
        }, "btn btn-secondary btn-small add-condition"));
      }
    } else {
      when.append(button(`+ ${S.add_condition}`, S.add_condition, () => { doc.when = NEW_CONDITION(); rerender(); }, "btn btn-secondary btn-small add-condition"));
    }
    const description = h("textarea", { rows: 2, value: doc.description ?? "", oninput: (e) => setOrDelete(doc, "description", e.target.value) });
    return [
      h("div", { className: "b-row" },
        field(S.id, idInput(), "id"),
        ...nameFields(doc, "name", "name"),
        field(S.severity, select(cat.severities, doc.severity ?? "normal", (v) => setOrDelete(doc, "severity", v)), "severity"),
        field(S.type, select([["", S.unset], ...cat.types], doc.type, (v) => setOrDelete(doc, "type", v)), "type")),
      field(S.description, description, "description"),
      when,
    ];
  }

  // --- scorecards ------------------------------------------------------------------------
  let dragging = null; // {type: "section" | "item", s, i}

  function dropTarget(el, accepts, onDrop) {
    el.addEventListener("dragover", (e) => {
      if (dragging && accepts(dragging)) { e.preventDefault(); e.stopPropagation(); el.classList.add("drop-here"); }
    });
    el.addEventListener("dragleave", () => el.classList.remove("drop-here"));
    el.addEventListener("drop", (e) => {
      el.classList.remove("drop-here");
      if (!dragging || !accepts(dragging)) return;
      e.preventDefault();
      e.stopPropagation();
      onDrop(dragging);
      dragging = null;
      rerender();
    });
  }
  function handle(what) {
    return h("span", {
      className: "drag-handle", text: "⠿", draggable: "true", title: S.drag, "aria-hidden": "true",
      ondragstart: (e) => { dragging = what; e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", ""); },
      ondragend: () => { dragging = null; },
    });
  }

  function renderItem(sections, s, i) {
    const items = sections[s].items;
    const item = items[i];
    const path = `sections[${s}].items[${i}]`;
    const alias = (f) => `item ${item.id}${f ? `.${f}` : ""}`;
    const mode = select([["deduct", S.deduct], ["add", S.add]], item.mode ?? "deduct",
      (v) => setOrDelete(item, "mode", v === "deduct" && !("mode" in item) ? undefined : v));
    const check = (key, label) => {
      const input = h("input", { type: "checkbox", id: newId(), checked: Boolean(item[key]),
        onchange: (e) => setOrDelete(item, key, e.target.checked ? true : key in item ? false : undefined) });
      return h("div", { className: "b-field check", dataset: { path: `${path}.${key}`, alias: alias(key) } }, input, h("label", { for: input.id, text: label }));
    };
    const indicators = chips(item, "indicators", { options: cat.indicators });
    indicators.input.id = newId();
    const channels = chips(item, "channels", { options: cat.channels.map((c) => [c, c]) });
    channels.input.id = newId();
    const row = h("li", { className: "sc-item", dataset: { path, alias: alias("") } },
      h("div", { className: "cond-head" }, handle({ type: "item", s, i }), h("strong", { text: `${S.item} ${i + 1}` }),
        tool("↑", S.move_up, "move-up", () => {
          if (i > 0) move(items, i, i - 1);
          else if (s > 0) { sections[s - 1].items.push(items.splice(i, 1)[0]); }
          rerender();
        }),
        tool("↓", S.move_down, "move-down", () => {
          if (i < items.length - 1) move(items, i, i + 1);
          else if (s < sections.length - 1) { sections[s + 1].items.unshift(items.splice(i, 1)[0]); }
          rerender();
        }),
        tool("×", S.remove, "remove", () => { items.splice(i, 1); rerender(); })),
      h("div", { className: "b-row" },
        field(S.id, textInput(item, "id", { required: true }), `${path}.id`, alias("id")),
        ...nameFields(item, "name", `${path}.name`, alias("name")),
        field(S.points, numberInput(item, "points", { minimum: 0 }), `${path}.points`, alias("points")),
        field(S.mode, mode, `${path}.mode`, alias("mode")),
        check("fatal", S.fatal),
        check("per_occurrence", S.per_occurrence),
        field(S.max_points, numberInput(item, "max_points", { minimum: 0 }), `${path}.max_points`, alias("max_points"))),
      h("div", { className: "b-row" },
        h("div", { className: "b-field wide", dataset: { path: `${path}.indicators`, alias: alias("indicators") } }, h("label", { for: indicators.input.id, text: S.indicators }), indicators.box),
        h("div", { className: "b-field wide", dataset: { path: `${path}.channels`, alias: alias("channels") } }, h("label", { for: channels.input.id, text: S.channels }), channels.box)));
    dropTarget(row, (d) => d.type === "item", (d) => {
      // dropped on an item: it goes where that item is (after it when moved down)
      const [moved] = sections[d.s].items.splice(d.i, 1);
      items.splice(i, 0, moved);
    });
    return row;
  }

  function renderSection(sections, s) {
    const section = sections[s];
    const items = section.items || (section.items = []);
    const path = `sections[${s}]`;
    const box = h("section", { className: "sc-section", dataset: { path } },
      h("div", { className: "cond-head" }, handle({ type: "section", s }), h("strong", { text: `${S.section} ${s + 1}` }),
        tool("↑", S.move_up, "move-up", () => { move(sections, s, s - 1); rerender(); }),
        tool("↓", S.move_down, "move-down", () => { move(sections, s, s + 1); rerender(); }),
        tool("×", S.remove, "remove", () => { sections.splice(s, 1); rerender(); })),
      h("div", { className: "b-row" },
        field(S.id, textInput(section, "id", { required: true }), `${path}.id`),
        ...nameFields(section, "name", `${path}.name`)),
      h("ol", { className: "sc-items", dataset: { path: `${path}.items` } }, items.map((_, i) => renderItem(sections, s, i))),
      button(`+ ${S.add_item}`, S.add_item, () => {
        items.push({ id: `item_${Date.now().toString(36)}`, indicators: [], points: 5 });
        rerender();
      }, "btn btn-secondary btn-small add-item"));
    dropTarget(box, (d) => d.type === "section" || d.type === "item", (d) => {
      if (d.type === "section") move(sections, d.s, s);
      else items.push(sections[d.s].items.splice(d.i, 1)[0]);
    });
    return box;
  }

  function renderScorecard() {
    const sections = doc.sections || (doc.sections = []);
    const description = h("textarea", { rows: 2, value: doc.description ?? "", oninput: (e) => setOrDelete(doc, "description", e.target.value) });
    return [
      h("div", { className: "b-row" },
        ...nameFields(doc, "name", "name"),
        field(S.base, numberInput(doc, "base", { minimum: 1, placeholder: "100" }), "base"),
        field(S.pass_line, numberInput(doc, "pass_line", { minimum: 0, placeholder: "80" }), "pass_line")),
      field(S.description, description, "description"),
      h("h3", { text: S.sections }),
      h("div", { className: "sc-sections", dataset: { path: "sections" } }, sections.map((_, s) => renderSection(sections, s))),
      button(`+ ${S.add_section}`, S.add_section, () => {
        sections.push({ id: `section_${Date.now().toString(36)}`, name: "", items: [] });
        rerender();
      }, "btn btn-secondary btn-small add-section"),
    ];
  }

  // --- errors beside their part ----------------------------------------------------------
  function placeError(error) {
    let best = null;
    let bestLength = -1;
    for (const el of pane.querySelectorAll("[data-path], [data-alias]")) {
      for (const key of [el.dataset.path, el.dataset.alias]) {
        if (!key) continue;
        const fits = error.field === key || error.field.startsWith(`${key}.`) || error.field.startsWith(`${key}[`);
        if (fits && key.length > bestLength) { best = el; bestLength = key.length; }
      }
    }
    if (!best) return;
    best.classList.add("has-error");
    best.append(h("p", { className: "error field-error", role: "alert", text: error.text }));
  }

  function render() {
    pane.replaceChildren(...(kind === "rule" ? renderRule() : renderScorecard()));
    if (pendingError) { placeError(pendingError); pendingError = null; }
  }

  // --- tabs ------------------------------------------------------------------------------
  function show(mode) {
    const builder = mode === "builder";
    pane.hidden = !builder;
    yamlPane.hidden = builder;
    tabBuilder.setAttribute("aria-selected", String(builder));
    tabYaml.setAttribute("aria-selected", String(!builder));
    editorInput.value = mode;
  }
  function reportSwitch(message) {
    switchError.textContent = message ? fmt(S.not_switched, { error: message }) : "";
    switchError.hidden = !message;
  }
  async function convert(to) {
    const body = new FormData();
    const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    body.append("kind", kind);
    body.append("to", to);
    if (to === "yaml") body.append("builder", JSON.stringify(doc));
    else body.append("definition", textarea.value);
    const response = await fetch(pane.dataset.convert, {
      method: "POST", body, credentials: "same-origin", headers: { "X-CSRFToken": token },
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }
  tabYaml.addEventListener("click", async () => {
    if (editorInput.value === "yaml") return;
    try {
      textarea.value = (await convert("yaml")).text;
      reportSwitch("");
      show("yaml");
    } catch (error) { reportSwitch(error.message); }
  });
  tabBuilder.addEventListener("click", async () => {
    if (editorInput.value === "builder") return;
    try {
      doc = (await convert("builder")).builder;
      reportSwitch("");
      rerender();
      show("builder");
    } catch (error) { reportSwitch(error.message); }
  });
  form.addEventListener("submit", () => { if (editorInput.value === "builder") sync(); });

  tabs.hidden = false;
  if (doc !== null && pane.dataset.editor === "builder") {
    rerender();
    show("builder");
  } else {
    show("yaml");
  }
})();
