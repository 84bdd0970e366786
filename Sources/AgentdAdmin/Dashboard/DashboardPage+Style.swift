extension DashboardPage {
    /// The page's style sheet.
    static let style = #"""
        :root { --bg: #f4f6fa; --panel: #fff; --ink: #1c2434; --muted: #6b7588; --line: #e3e7ef;
          --sent: #2f6fed; --delivered: #0e9f8e; --acked: #5bb947; --bad: #d64545; --warn: #e39a1c; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
          background: var(--bg); color: var(--ink); }
        header { display: flex; align-items: center; gap: 24px; padding: 12px 24px; background: #17202f; color: #e8ecf3; }
        .brand { font-size: 18px; font-weight: 650; letter-spacing: .3px; }
        .logo { color: #6ea8ff; }
        .meta { display: flex; gap: 16px; align-items: center; flex: 1; }
        header .muted { color: #9aa6bb; }
        .token { display: flex; gap: 6px; }
        .token input { width: 180px; padding: 5px 8px; border-radius: 6px; border: 1px solid #3a4760; background: #222d40; color: #e8ecf3; }
        .token button { padding: 5px 10px; border-radius: 6px; border: 0; background: #2f6fed; color: #fff; cursor: pointer; }
        .banner { margin: 16px 24px 0; padding: 10px 14px; border-radius: 8px; background: #fdecec; color: #8c2020; border: 1px solid #f3c4c4; }
        main { padding: 16px 24px 8px; display: flex; flex-direction: column; gap: 16px; }
        .cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
        .card, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; box-shadow: 0 1px 2px rgba(20,30,50,.05); }
        .card { padding: 12px 14px; }
        .card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
        .card .value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; }
        .card .sub { color: var(--muted); font-size: 12px; }
        .card.alert { border-color: #f0b4b4; background: #fff6f6; }
        .card.alert .value { color: var(--bad); }
        .panel { padding: 12px 16px 14px; min-width: 0; }
        .panel-head { display: flex; align-items: baseline; justify-content: space-between; gap: 12px; margin-bottom: 6px; }
        h2 { font-size: 15px; margin: 0; }
        .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        .legend { font-size: 12px; color: var(--ink); display: flex; gap: 6px; align-items: center; }
        .key { display: inline-block; width: 12px; height: 3px; border-radius: 2px; margin-left: 8px; }
        .key.sent { background: var(--sent); } .key.delivered { background: var(--delivered); } .key.acked { background: var(--acked); }
        .chart svg { width: 100%; height: 180px; display: block; }
        .chart .grid { stroke: var(--line); stroke-width: 1; }
        .chart text { fill: var(--muted); font-size: 11px; }
        table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
        th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600; padding: 6px 8px; border-bottom: 1px solid var(--line); }
        td { padding: 6px 8px; border-bottom: 1px solid #f0f2f6; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 220px; }
        tr:last-child td { border-bottom: 0; }
        .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
        .pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #e8ebf1; color: #4a5468; }
        .pill-ok, .pill-active, .pill-completed { background: #e2f5e6; color: #21783a; }
        .pill-busy, .pill-in_progress, .pill-assigned, .pill-input_required { background: #fff1d9; color: #9a6104; }
        .pill-idle, .pill-pending { background: #e6efff; color: #2553b3; }
        .pill-draining, .pill-cancelled { background: #efe7fb; color: #6a3fb0; }
        .pill-offline { background: #eceef2; color: #7a8396; }
        .pill-degraded, .pill-failed, .pill-timed_out { background: #fde6e6; color: #a42a2a; }
        .bar { display: inline-block; width: 70px; height: 6px; border-radius: 3px; background: #edf0f5; vertical-align: middle; margin-right: 6px; overflow: hidden; }
        .bar > span { display: block; height: 100%; background: var(--delivered); }
        .bar.full > span { background: var(--warn); }
        .states { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 8px; }
        .states .pill b { font-weight: 700; margin-left: 4px; }
        .muted { color: var(--muted); }
        footer { padding: 4px 24px 16px; font-size: 12px; }
        @media (max-width: 1000px) { .cards { grid-template-columns: repeat(3, 1fr); } .columns { grid-template-columns: 1fr; } }
        """#
}
