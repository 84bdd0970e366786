extension DashboardPage {
    /// The page's body: placeholders the script fills in.
    static let markup = #"""
        <header>
          <div class="brand"><span class="logo">◆</span> agentd <span id="version" class="muted"></span></div>
          <div class="meta">
            <span id="health" class="pill pill-unknown">health …</span>
            <span id="backend" class="muted"></span>
            <span id="uptime" class="muted"></span>
            <span id="daemons" class="muted"></span>
            <span id="connections" class="muted"></span>
          </div>
          <form id="token-form" class="token" autocomplete="off">
            <input id="token" type="password" placeholder="bearer token" aria-label="bearer token">
            <button type="submit">Use token</button>
          </form>
        </header>
        <div id="banner" class="banner" hidden></div>
        <main>
          <section class="cards">
            <div class="card"><div class="label">Sent</div><div class="value" id="sent-total">—</div><div class="sub" id="per-minute">— / min</div></div>
            <div class="card"><div class="label">Delivered</div><div class="value" id="delivered-total">—</div><div class="sub" id="in-flight">— in flight</div></div>
            <div class="card"><div class="label">Acked</div><div class="value" id="acked-total">—</div><div class="sub" id="pending">— pending</div></div>
            <div class="card" id="dead-card"><div class="label">Dead letters</div><div class="value" id="dead-letters">—</div><div class="sub" id="expired">— expired</div></div>
            <div class="card"><div class="label">Agents</div><div class="value" id="agents-active">—</div><div class="sub" id="agents-load">—</div></div>
            <div class="card"><div class="label">Tasks</div><div class="value" id="tasks-total">—</div><div class="sub" id="completion">—</div></div>
          </section>
          <section class="panel wide">
            <div class="panel-head"><h2>Message rates</h2><div class="legend">
              <span class="key sent"></span>sent <span class="key delivered"></span>delivered <span class="key acked"></span>acked
              <span id="chart-window" class="muted">per second</span></div></div>
            <div id="chart" class="chart"><p class="muted">collecting…</p></div>
          </section>
          <div class="columns">
            <section class="panel">
              <div class="panel-head"><h2>Agents</h2><span id="agents-count" class="muted"></span></div>
              <table><thead><tr><th>Agent</th><th>Role</th><th>Status</th><th>Load</th><th>Last seen</th></tr></thead>
              <tbody id="agents"><tr><td colspan="5" class="muted">—</td></tr></tbody></table>
            </section>
            <section class="panel">
              <div class="panel-head"><h2>Tasks</h2><span id="tasks-count" class="muted"></span></div>
              <div id="task-states" class="states"></div>
              <table><thead><tr><th>Task</th><th>Type</th><th>State</th><th>Assigned to</th><th>Updated</th></tr></thead>
              <tbody id="tasks"><tr><td colspan="5" class="muted">—</td></tr></tbody></table>
            </section>
          </div>
        </main>
        <footer><span id="refreshed" class="muted">not loaded yet</span></footer>
        """#
}
