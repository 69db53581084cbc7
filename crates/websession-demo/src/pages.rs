//! The demo's HTML pages. Every value from the session or the request is escaped.

use std::fmt::Write;

/// Returns `text` with the characters that are special in HTML replaced by entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Wraps `body` in the page layout, with the flash message on top when there is one.
fn layout(title: &str, notice: Option<&str>, body: &str) -> String {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title} · websession demo</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <nav><a href=\"/\">Home</a> <a href=\"/session\">Session data</a></nav>\n<main>\n",
        title = escape(title),
    );
    if let Some(notice) = notice {
        let _ = writeln!(
            page,
            "<p id=\"flash\" class=\"flash\" role=\"status\">{}</p>",
            escape(notice)
        );
    }
    page.push_str(body);
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;\
    padding:0 1rem;line-height:1.5}nav a{margin-right:1rem}.flash{background:#e7f5e7;\
    border:1px solid #8c8;padding:.5rem 1rem;border-radius:4px}pre{background:#f4f4f4;\
    padding:1rem;overflow:auto}.error{color:#a00}";

/// The home page of a signed-in visitor: greeting, visit count and logout button.
pub fn greeting(user: &str, visits: u64, notice: Option<&str>) -> String {
    let times = if visits == 1 { "time" } else { "times" };
    let body = format!(
        "<h1 id=\"greeting\">Hello, {user}!</h1>\n\
         <p>You have visited this page <span id=\"visits\">{visits}</span> {times}.</p>\n\
         <form method=\"post\" action=\"/logout\">\
         <button id=\"logout-button\" type=\"submit\">Sign out</button></form>\n",
        user = escape(user),
    );
    layout("Home", notice, &body)
}

/// The home page of a visitor who is not signed in.
pub fn signed_out(notice: Option<&str>) -> String {
    let body = "<h1 id=\"signed-out\">You are not signed in</h1>\n\
                <p><a id=\"login-link\" href=\"/login\">Sign in</a> with any user name.</p>\n";
    layout("Home", notice, body)
}

/// The login form, with an error message after an invalid submission.
pub fn login_form(error: Option<&str>) -> String {
    let mut body = String::from("<h1>Sign in</h1>\n");
    if let Some(error) = error {
        let _ = writeln!(
            body,
            "<p id=\"form-error\" class=\"error\">{}</p>",
            escape(error)
        );
    }
    body.push_str(
        "<form id=\"login-form\" method=\"post\" action=\"/login\">\n\
         <label for=\"user\">User name</label>\n\
         <input id=\"user\" name=\"user\" autocomplete=\"username\" required maxlength=\"64\">\n\
         <label><input id=\"remember\" name=\"remember\" type=\"checkbox\"> Remember me for 30 days</label>\n\
         <button id=\"login-button\" type=\"submit\">Sign in</button>\n</form>\n\
         <p>Any name works: there are no passwords in this demo.</p>\n",
    );
    layout("Sign in", None, &body)
}

/// The page that shows the session data as read from the request's cookie.
pub fn session_data(data_json: &str, store: &str, cookie_name: &str) -> String {
    let body = format!(
        "<h1>Session data</h1>\n\
         <p>What this server read from the <code>{cookie}</code> cookie \
         (storage: <code>{store}</code>). Flash values show under their \
         <code>__flash_NAME__</code> keys and are not consumed by this page.</p>\n\
         <pre id=\"session-data\">{data}</pre>\n\
         <p>A Remix, React Router 7 or solid-start app that signs its <code>{cookie}</code> \
         cookie with the same secret, on the same host name, writes sessions that show here; \
         a <code>user</code> key signs the visitor in on the home page.</p>\n",
        cookie = escape(cookie_name),
        store = escape(store),
        data = escape(data_json),
    );
    layout("Session data", None, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_replaces_markup() {
        assert_eq!(
            escape("<b a=\"1\">'&'</b>"),
            "&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn greeting_escapes_user() {
        let page = greeting("<script>", 2, None);
        assert!(page.contains("Hello, &lt;script&gt;!"), "{page}");
        assert!(!page.contains("<script>"), "{page}");
        assert!(
            page.contains("<span id=\"visits\">2</span> times"),
            "{page}"
        );
    }

    #[test]
    fn flash_shown_when_given() {
        assert!(signed_out(Some("Bye"))
            .contains("<p id=\"flash\" class=\"flash\" role=\"status\">Bye</p>"));
        assert!(!signed_out(None).contains("id=\"flash\""));
    }

    #[test]
    fn single_visit_is_singular() {
        assert!(greeting("a", 1, None).contains("</span> time."));
    }
}
