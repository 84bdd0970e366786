/// The dashboard at `GET /`: one self-contained page (inline CSS and script, nothing fetched
/// from elsewhere, no build step) that polls `/api/stats`, `/api/agents` and `/api/tasks`
/// every two seconds and keeps the message-rate history in the browser.
///
/// The page itself holds no data, so it is served without a token; with `auth.mode = token`
/// it asks for one and sends it as `Authorization: Bearer` (kept in `sessionStorage`).
enum DashboardPage {
    /// The whole page, assembled once.
    static let html: String = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>agentd</title>
        <style>\(Self.style)</style>
        </head>
        <body>
        \(Self.markup)
        <script>\(Self.script)</script>
        </body>
        </html>
        """

    /// The response, built once: the page never changes while agentd runs.
    static let response = AdminResponse(
        status: .ok,
        contentType: "text/html; charset=utf-8",
        body: Array(Self.html.utf8),
        // The page runs only its own inline script and talks only to this port.
        headers: [(
            "Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:"
        )]
    )
}
