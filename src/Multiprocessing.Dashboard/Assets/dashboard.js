// The dashboard's page: polls /api/state and draws it. No libraries; nothing loaded from anywhere else.
(function () {
  "use strict";
  const token = document.querySelector('meta[name="dashboard-token"]').content;
  const refreshMs = parseInt(document.querySelector('meta[name="dashboard-refresh-ms"]').content, 10) || 1000;
  const outcomes = ["succeeded", "failed", "timedOut", "cancelled", "workerDied", "stopped", "running"];
  let updates = 0;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else if (v !== null && v !== undefined) e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? "–" : String(c)));
    return e;
  }

  function svg(tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  }

  function bytes(n) {
    if (n === null || n === undefined) return "–";
    const u = ["B", "KB", "MB", "GB"]; let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + u[i];
  }

  function ms(n) { return n === null || n === undefined ? "–" : n >= 1000 ? (n / 1000).toFixed(2) + " s" : n + " ms"; }

  async function post(path, params) {
    const q = new URLSearchParams(params).toString();
    const r = await fetch(path + "?" + q, { method: "POST", headers: { "X-Dashboard-Token": token } });
    const body = await r.json().catch(() => ({ message: r.statusText }));
    document.getElementById("status").textContent = body.message;
    poll(true);
  }

  function stat(name, value, label) {
    return el("span", { class: "stat" }, label + ": ", el("b", { "data-stat": name }, value));
  }

  function stream(pool, now) {
    const width = 1000, row = 18, pad = 110, span = 60000;
    const names = [...new Set([...pool.workers.map(w => w.name), ...pool.tasks.map(t => t.worker)])];
    const live = new Set(pool.workers.map(w => w.name));
    const rows = names.filter(n => live.has(n) || pool.tasks.some(t => t.worker === n && now - (t.start + t.ms) < span));
    const height = Math.max(1, rows.length) * row + 16;
    const s = svg("svg", { class: "stream", viewBox: `0 0 ${width} ${height}`, "data-bars": 0 });
    const x = t => pad + (width - pad) * (1 - (now - t) / span);
    let bars = 0;
    rows.forEach((name, i) => {
      const y = i * row + 2;
      const label = svg("text", { x: 4, y: y + 12, "font-size": 11, fill: "#555" }); label.textContent = name.replace(/^.*-Worker-/, "worker ");
      s.append(label);
      const add = (start, end, outcome, title) => {
        const x0 = Math.max(pad, x(start)), x1 = Math.max(x0 + 1.5, x(end));
        const r = svg("rect", { x: x0, y: y, width: x1 - x0, height: row - 4, class: "o-" + outcome });
        const t = svg("title", {}); t.textContent = title; r.append(t); s.append(r); bars++;
      };
      for (const t of pool.tasks) if (t.worker === name && now - (t.start + t.ms) < span) add(t.start, t.start + t.ms, t.outcome, `task ${t.id}: ${t.outcome}, ${ms(t.ms)}`);
      for (const w of pool.workers) if (w.name === name && w.taskId !== null) add(now - w.taskMs, now, "running", `task ${w.taskId}: running for ${ms(w.taskMs)}`);
    });
    for (let sec = 0; sec <= 60; sec += 10) {
      const t = svg("text", { x: x(now - sec * 1000) - (sec === 0 ? 24 : 8), y: height - 2, "font-size": 10, fill: "#999" });
      t.textContent = sec === 0 ? "now" : `-${sec}s`; s.append(t);
    }
    s.setAttribute("data-bars", bars);
    return s;
  }

  function renderPool(pool, now) {
    const section = el("section", { class: "pool", "data-pool": pool.name, "data-kind": pool.kind });
    section.append(el("h2", {}, `${pool.name} · ${pool.kind} pool · ${pool.status}`));
    const byState = Object.entries(pool.workersByState).map(([k, v]) => `${v} ${k}`).join(", ");
    section.append(el("div", { class: "stats" },
      stat("workersAlive", pool.workersAlive, `workers (of ${pool.workerCount})`),
      el("span", { class: "stat" }, "by state: ", el("b", { "data-stat": "workersByState" }, byState)),
      stat("queued", pool.queued, "pending"), stat("running", pool.running, "running"),
      stat("completed", pool.completed, "completed"), stat("failed", pool.failed, "failed"),
      stat("tasksPerSecond", pool.tasksPerSecond, "tasks/s"),
      stat("p50Ms", ms(pool.p50Ms), "p50"), stat("p95Ms", ms(pool.p95Ms), "p95")));

    const tbody = el("tbody");
    for (const w of pool.workers) {
      tbody.append(el("tr", { "data-pid": w.pid, "data-slot": w.slot },
        el("td", {}, w.pid === null ? w.name : w.pid), el("td", { class: "state-" + w.state }, w.state),
        el("td", {}, w.taskId === null ? "" : `#${w.taskId} for ${ms(w.taskMs)}`), el("td", {}, w.tasksDone),
        el("td", {}, bytes(w.rssBytes)), el("td", {}, w.cpuPercent === null ? "–" : w.cpuPercent + " %"),
        el("td", {}, w.restarts), el("td", {}, w.lastExit === null ? "" : w.lastExit),
        el("td", {}, pool.kind === "process" && pool.status !== "broken"
          ? el("button", { class: "kill", "data-pid": w.pid, onclick: () => post("api/kill", { pool: pool.name, pid: w.pid }) }, "kill") : "")));
    }
    section.append(el("h3", {}, "Workers"), el("table", { class: "workers" },
      el("thead", {}, el("tr", {}, ...["pid", "state", "current task", "tasks done", "RSS", "CPU", "restarts", "last exit", ""].map(h => el("th", {}, h)))), tbody));

    section.append(el("h3", {}, "Task stream (last minute)"));
    section.append(el("div", { class: "legend" }, ...outcomes.map(o => el("span", {}, el("i", { style: null, class: "sw-" + o }), o))));
    section.append(stream(pool, now));

    if (pool.queuedTasks.length > 0) {
      section.append(el("h3", {}, `Waiting tasks (first ${pool.queuedTasks.length})`));
      section.append(el("div", { class: "queued" }, ...pool.queuedTasks.map(id =>
        el("button", { class: "cancel", "data-task": id, onclick: () => post("api/cancel", { pool: pool.name, task: id }) }, `cancel #${id}`))));
    }

    if (pool.failures.length > 0) {
      section.append(el("h3", {}, "Recent failures"));
      for (const f of pool.failures) {
        section.append(el("div", { class: "failure", "data-task": f.id },
          el("div", {}, `#${f.id} ${f.outcome} on ${f.worker} at ${new Date(f.at).toLocaleTimeString()}`), el("pre", {}, f.error || "")));
      }
    }

    return section;
  }

  function render(state) {
    const now = state.time;
    const pools = document.getElementById("pools");
    pools.replaceChildren(...state.pools.map(p => renderPool(p, now)));
    if (state.pools.length === 0) pools.append(el("section", { class: "panel muted" }, "No pool is open in this process."));
    document.getElementById("segments-open").textContent = state.segmentsOpen;
    document.getElementById("locks-taken-over").textContent = state.locksTakenOver;
    document.querySelector("#queues tbody").replaceChildren(...state.queues.map(q =>
      el("tr", { "data-queue": q.name }, el("td", {}, q.name), el("td", {}, q.itemType), el("td", {}, q.count), el("td", {}, bytes(q.bytes)),
        el("td", {}, bytes(q.capacity)), el("td", {}, q.overflowItems), el("td", {}, bytes(q.overflowBytes)))));
    document.getElementById("process").textContent = `process ${state.pid}`;
    updates++;
    document.body.dataset.updates = updates;
    document.body.dataset.stateTime = now;
  }

  let timer = null;
  async function poll(once) {
    if (!once) timer = null;
    try {
      const r = await fetch("api/state", { headers: { "X-Dashboard-Token": token }, cache: "no-store" });
      if (!r.ok) throw new Error(r.status + " " + r.statusText);
      render(await r.json());
      if (!once) document.getElementById("status").textContent = "live · every " + refreshMs + " ms";
    } catch (e) {
      document.getElementById("status").textContent = "disconnected: " + e.message;
    }
    if (!once && timer === null) timer = setTimeout(poll, refreshMs);
  }

  poll(false);
})();
