extension DashboardPage {
    /// The page's script: polls the JSON routes, renders, and draws the rate chart.
    ///
    /// Rates are differences of the `*_total` counters between successive `/api/stats`
    /// answers, kept in `sessionStorage` so a reload keeps the chart. After a 401 the page
    /// stops polling until a token is entered: polling with a wrong token would keep the
    /// server's slow-down of failed tokens (shared with `hello`) going for this address.
    static let script = #"""
        "use strict";
        const PERIOD_MS = 2000, WINDOW_MS = 5 * 60 * 1000;
        const $ = (id) => document.getElementById(id);
        const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
        const fmt = (n) => (n ?? 0).toLocaleString("en-US");
        let token = sessionStorage.getItem("agentd.token") || "";
        let samples = [];
        try { samples = JSON.parse(sessionStorage.getItem("agentd.samples") || "[]"); } catch (e) { samples = []; }
        let paused = false, timer = null;

        // A token in the fragment (#token=…, never sent to the server) is taken once and removed.
        if (location.hash.startsWith("#token=")) {
          token = decodeURIComponent(location.hash.slice(7));
          sessionStorage.setItem("agentd.token", token);
          history.replaceState(null, "", location.pathname + location.search);
        }

        class Unauthorized extends Error {}

        async function get(path) {
          const headers = token ? {"Authorization": "Bearer " + token} : {};
          const response = await fetch(path, {headers, cache: "no-store"});
          if (response.status === 401) throw new Unauthorized();
          if (!response.ok) {
            let message = response.status + " " + response.statusText;
            try { message = (await response.json()).error.message; } catch (e) {}
            throw new Error(path + ": " + message);
          }
          return response.json();
        }

        function ago(iso) {
          if (!iso) return "—";
          const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
          if (s < 60) return s + "s ago";
          if (s < 3600) return Math.floor(s / 60) + "m ago";
          return Math.floor(s / 3600) + "h ago";
        }

        function duration(s) {
          const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
          return d ? d + "d " + h + "h" : h ? h + "h " + m + "m" : m + "m " + (s % 60) + "s";
        }

        function banner(text) {
          $("banner").hidden = !text;
          $("banner").textContent = text || "";
        }

        function renderStats(stats) {
          const q = stats.queues, r = stats.registry, c = stats.coordination, s = stats.server;
          $("version").textContent = "v" + s.version;
          $("backend").textContent = s.backend + " store";
          const others = (s.live_daemons || []).filter((d) => d !== s.daemon_id);
          $("daemons").textContent = "daemon " + s.daemon_id + " answering; " + fmt(s.daemons) + " live"
            + (others.length ? " (also " + others.join(", ") + ")" : "");
          $("uptime").textContent = "up " + duration(s.uptime_s);
          $("connections").textContent = fmt(s.connections) + " connections";
          $("sent-total").textContent = fmt(q.sent_total);
          $("per-minute").textContent = fmt(q.messages_per_minute) + " / min";
          $("delivered-total").textContent = fmt(q.delivered_total);
          $("in-flight").textContent = fmt(q.in_flight) + " in flight";
          $("acked-total").textContent = fmt(q.acked_total);
          $("pending").textContent = fmt(q.pending) + " pending";
          $("dead-letters").textContent = fmt(q.dead_letters);
          $("dead-card").classList.toggle("alert", q.dead_letters > 0);
          $("expired").textContent = fmt(q.expired_total) + " expired";
          $("agents-active").textContent = fmt(r.active_agents) + " / " + fmt(r.total_agents);
          $("agents-load").textContent = "active · load " + Math.round(r.average_load * 100) + "%";
          $("tasks-total").textContent = fmt(c.tasks_total);
          $("completion").textContent = Math.round(c.completion_rate * 100) + "% completed of finished";
          const states = [["pending", c.pending], ["in_progress", c.in_progress], ["input_required", c.input_required],
                          ["completed", c.completed],
                          ["failed", c.failed], ["timed_out", c.timed_out], ["cancelled", c.cancelled]];
          $("task-states").innerHTML = states.map(([name, n]) =>
            `<span class="pill pill-${name}" data-state="${name}">${name.replaceAll("_", " ")}<b>${fmt(n)}</b></span>`).join("");
        }

        function renderAgents(agents) {
          $("agents-count").textContent = agents.length + (agents.length === 1 ? " agent" : " agents");
          if (!agents.length) { $("agents").innerHTML = `<tr><td colspan="5" class="muted">no agents registered</td></tr>`; return; }
          $("agents").innerHTML = agents.map((a) => {
            const load = a.max_concurrent_tasks ? a.current_tasks / a.max_concurrent_tasks : 0;
            const width = Math.min(100, Math.round(load * 100));
            return `<tr data-agent="${esc(a.agent_id)}">
              <td class="mono" title="${esc((a.capabilities || []).join(", "))}">${esc(a.agent_id)}</td>
              <td>${esc(a.role)}</td>
              <td><span class="pill pill-${esc(a.status)}">${esc(a.status)}</span></td>
              <td><span class="bar${load >= 1 ? " full" : ""}"><span style="width:${width}%"></span></span>${a.current_tasks}/${a.max_concurrent_tasks}</td>
              <td class="muted">${ago(a.last_heartbeat)}</td></tr>`;
          }).join("");
        }

        function renderTasks(tasks) {
          $("tasks-count").textContent = tasks.length ? "latest " + tasks.length : "";
          if (!tasks.length) { $("tasks").innerHTML = `<tr><td colspan="5" class="muted">no tasks yet</td></tr>`; return; }
          $("tasks").innerHTML = tasks.map((t) => `<tr data-task="${esc(t.task_id)}">
              <td class="mono" title="${esc(t.task_id)}">${esc(t.task_id)}</td>
              <td>${esc(t.task_type)}</td>
              <td><span class="pill pill-${esc(t.state)}" data-task-state="${esc(t.state)}">${esc(t.state.replace("_", " "))}</span></td>
              <td class="mono">${esc(t.assigned_to ?? "—")}</td>
              <td class="muted">${ago(t.updated_at)}</td></tr>`).join("");
        }

        function record(stats) {
          const q = stats.queues, now = Date.now();
          const last = samples[samples.length - 1];
          // A restarted agentd starts its counters again: the old history no longer adds up.
          if (last && (q.sent_total < last.sent || q.acked_total < last.acked)) samples = [];
          samples.push({t: now, sent: q.sent_total, delivered: q.delivered_total, acked: q.acked_total});
          samples = samples.filter((s) => now - s.t <= WINDOW_MS + PERIOD_MS);
          sessionStorage.setItem("agentd.samples", JSON.stringify(samples));
        }

        function drawChart() {
          if (samples.length < 2) { $("chart").innerHTML = `<p class="muted">collecting…</p>`; return; }
          const W = 1000, H = 180, L = 44, R = 24, B = 20, T = 8, now = Date.now();
          // The window grows with the history, from one minute up to five, so a young page
          // does not squeeze its few points into the right edge.
          const span = Math.min(WINDOW_MS, Math.max(60000, now - samples[0].t));
          const series = {sent: [], delivered: [], acked: []};
          for (let i = 1; i < samples.length; i++) {
            const a = samples[i - 1], b = samples[i], dt = (b.t - a.t) / 1000;
            if (dt <= 0 || now - b.t > span) continue;
            for (const k of Object.keys(series)) series[k].push([b.t, Math.max(0, (b[k] - a[k]) / dt)]);
          }
          const peak = Math.max(1, ...Object.values(series).flat().map((p) => p[1]));
          const step = Math.pow(10, Math.floor(Math.log10(peak)));
          const top = Math.ceil(peak / step) * step;
          const x = (t) => L + (W - L - R) * (1 - (now - t) / span);
          const y = (v) => T + (H - T - B) * (1 - v / top);
          let svg = `<svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="message rates">`;
          for (const v of [0, top / 2, top]) {
            svg += `<line class="grid" x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}"/>`;
            svg += `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${+v.toFixed(1)}</text>`;
          }
          const tick = span <= 60000 ? 15000 : 60000;
          for (let back = Math.floor(span / tick) * tick; back >= 0; back -= tick) {
            const label = back === 0 ? "now" : tick < 60000 ? "-" + back / 1000 + "s" : "-" + back / 60000 + "m";
            svg += `<text x="${x(now - back)}" y="${H - 4}" text-anchor="${back === 0 ? "end" : "middle"}">${label}</text>`;
          }
          const colors = {sent: "var(--sent)", delivered: "var(--delivered)", acked: "var(--acked)"};
          for (const [k, points] of Object.entries(series)) {
            if (!points.length) continue;
            const path = points.map((p) => x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(" ");
            svg += `<polyline data-series="${k}" fill="none" stroke="${colors[k]}" stroke-width="2" stroke-linejoin="round" vector-effect="non-scaling-stroke" points="${path}"/>`;
          }
          $("chart").innerHTML = svg + "</svg>";
          $("chart-window").textContent = "per second, last " + (span < 120000 ? Math.round(span / 1000) + " s" : Math.round(span / 60000) + " min");
        }

        async function refresh() {
          timer = null;
          try {
            const health = await fetch("/healthz", {cache: "no-store"}).then((r) => r.json()).catch(() => null);
            $("health").className = "pill pill-" + (health ? health.status : "degraded");
            $("health").textContent = health ? "store " + health.store : "unreachable";
            const [stats, agents, tasks] = await Promise.all([get("/api/stats"), get("/api/agents?limit=50"), get("/api/tasks?limit=15")]);
            renderStats(stats);
            renderAgents(agents.agents);
            renderTasks(tasks.tasks);
            record(stats);
            drawChart();
            banner("");
            $("refreshed").textContent = "updated " + new Date().toLocaleTimeString() + " · every " + PERIOD_MS / 1000 + " s";
          } catch (error) {
            if (error instanceof Unauthorized) {
              paused = true;
              banner(token ? "That token was refused. Enter the bearer token of a monitor, supervisor or coordinator agent."
                           : "This agentd asks for a token: enter the bearer token of a monitor, supervisor or coordinator agent.");
              $("token").focus();
              return;
            }
            banner("Could not refresh: " + error.message);
          }
          if (!paused) timer = setTimeout(refresh, PERIOD_MS);
        }

        $("token-form").addEventListener("submit", (event) => {
          event.preventDefault();
          token = $("token").value.trim();
          $("token").value = "";
          sessionStorage.setItem("agentd.token", token);
          paused = false;
          if (timer) clearTimeout(timer);
          refresh();
        });

        refresh();
        """#
}
