//! The pages of `/admin`, in English and German: plain HTML forms (they work without
//! scripts, with the keyboard and with screen readers), in the tab's Fluent look.

use std::collections::HashMap;

use crate::registry::{
    DirectoryRecord, FieldProblem, FormField, MAX_FIELD_CHARS, TenantRecord, day_of,
};

use super::session::Session;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
}

impl Lang {
    /// `?lang=` first, then the browser's first preference between the two.
    pub fn choose(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        match query {
            Some("de") => return Lang::De,
            Some("en") => return Lang::En,
            _ => {}
        }
        let first = accept_language
            .unwrap_or_default()
            .split(',')
            .map(|l| l.trim().to_ascii_lowercase())
            .find(|l| l.starts_with("de") || l.starts_with("en"));
        match first {
            Some(l) if l.starts_with("de") => Lang::De,
            _ => Lang::En,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    fn pick<'a>(self, en: &'a str, de: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::De => de,
        }
    }
}

/// Text safe inside HTML elements and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The roles that may register and manage an organisation, as Entra names them.
pub const ROLE_NAMES: &str =
    "Global Administrator, Teams Administrator, Privileged Role Administrator";

fn shell(lang: Lang, title: &str, session: Option<&Session>, body: &str) -> String {
    let signed_in = session.map_or_else(String::new, |s| {
        format!(
            r#"<form class="who" method="post" action="/admin/sign-out"><span>{}</span><input type="hidden" name="csrf" value="{}"><button class="link">{}</button></form>"#,
            esc(&s.name),
            esc(&s.csrf),
            lang.pick("Sign out", "Abmelden")
        )
    });
    format!(
        r#"<!doctype html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Kontakt</title>
<link rel="stylesheet" href="/admin/admin.css">
</head>
<body>
<header><a class="brand" href="/admin">Kontakt</a><nav aria-label="{lang_label}"><a href="/admin?lang=en" lang="en">English</a> · <a href="/admin?lang=de" lang="de">Deutsch</a></nav>{signed_in}</header>
<main id="main">
<h1>{title}</h1>
{body}
</main>
<footer><a href="/privacy">{privacy}</a> · <a href="/terms">{terms}</a></footer>
</body>
</html>
"#,
        code = lang.code(),
        title = esc(title),
        lang_label = lang.pick("Language", "Sprache"),
        privacy = lang.pick("Privacy", "Datenschutz"),
        terms = lang.pick("Terms of use", "Nutzungsbedingungen"),
    )
}

fn notice(text: Option<&str>, kind: &str) -> String {
    text.map_or_else(String::new, |t| {
        let role = if kind == "error" { "alert" } else { "status" };
        format!(r#"<p class="notice {kind}" role="{role}">{}</p>"#, esc(t))
    })
}

/// What went wrong with the last request, shown with the page.
#[derive(Clone, Copy)]
pub enum Problem<'a> {
    /// A message for the whole page.
    Page(&'a str),
    /// A form sent back because one of its values was refused.
    Refused(Refused<'a>),
}

/// A form sent back: what was typed (shown again, so nothing is lost) and what is wrong
/// where (said at the field, and at the top of the page with a link to it).
#[derive(Clone, Copy)]
pub struct Refused<'a> {
    pub form: &'a HashMap<String, String>,
    pub field: FormField,
    pub problem: FieldProblem,
}

/// A field of the admin forms: its `id` and `name`, and its label.
fn form_field(lang: Lang, field: FormField) -> (&'static str, &'static str) {
    match field {
        FormField::Organisation => (
            "organisation",
            lang.pick("Organisation name", "Name der Organisation"),
        ),
        FormField::AdminName => ("name", lang.pick("Your name", "Ihr Name")),
        FormField::AdminEmail => (
            "email",
            lang.pick("Your e-mail address", "Ihre E-Mail-Adresse"),
        ),
        FormField::DirectoryName => (
            "directory",
            lang.pick("Directory name", "Name des Verzeichnisses"),
        ),
    }
}

/// What is wrong with a refused value, in the administrator's language.
pub fn problem_text(lang: Lang, problem: FieldProblem, typed: &str) -> String {
    match problem {
        FieldProblem::Empty => {
            lang.pick("Please fill this in.", "Bitte füllen Sie dieses Feld aus.").to_owned()
        }
        FieldProblem::TooLong => format!(
            "{} {MAX_FIELD_CHARS} {}; {} {}.",
            lang.pick("At most", "Höchstens"),
            lang.pick("characters", "Zeichen"),
            lang.pick("this has", "hier sind es"),
            typed.trim().chars().count(),
        ),
        FieldProblem::ControlCharacter => lang
            .pick(
                "This contains an invisible control character (perhaps pasted along with it); please type it again.",
                "Das enthält ein unsichtbares Steuerzeichen (vielleicht mit eingefügt); bitte tippen Sie es neu.",
            )
            .to_owned(),
        FieldProblem::NotEmail => lang
            .pick(
                "This is not an e-mail address: write it as name@example.com.",
                "Das ist keine E-Mail-Adresse: Schreiben Sie sie wie name@example.com.",
            )
            .to_owned(),
    }
}

/// The problem at the top of the page: a whole-page message, or which field was refused
/// (a link to it) and why.
fn problem_notice(lang: Lang, problem: Option<Problem<'_>>) -> String {
    match problem {
        None => String::new(),
        Some(Problem::Page(text)) => notice(Some(text), "error"),
        Some(Problem::Refused(r)) => {
            let (id, label) = form_field(lang, r.field);
            let typed = r.form.get(id).map(String::as_str).unwrap_or_default();
            format!(
                r##"<p class="notice error" role="alert">{} <a href="#{id}">{}</a>: {}</p>"##,
                lang.pick("Nothing was saved.", "Nichts wurde gespeichert."),
                esc(label),
                esc(&problem_text(lang, r.problem, typed)),
            )
        }
    }
}

/// A text field of a form: what was typed when the form was sent back, else `value`;
/// marked invalid, with what is wrong beside it, when it is the field refused.
fn text_input(
    lang: Lang,
    field: FormField,
    kind: &str,
    autocomplete: &str,
    value: &str,
    problem: Option<Problem<'_>>,
) -> String {
    let (id, label) = form_field(lang, field);
    let refused = match problem {
        Some(Problem::Refused(r)) => Some(r),
        _ => None,
    };
    let value = refused
        .and_then(|r| r.form.get(id))
        .map_or(value, String::as_str);
    let (invalid, said) = match refused.filter(|r| r.field == field) {
        Some(r) => (
            format!(r#" aria-invalid="true" aria-describedby="{id}-error" autofocus"#),
            format!(
                r#"<span class="field-error" id="{id}-error">{}</span>"#,
                esc(&problem_text(lang, r.problem, value))
            ),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        r#"<p><label for="{id}">{label}</label><input id="{id}" name="{id}" type="{kind}" required maxlength="{MAX_FIELD_CHARS}" value="{value}" autocomplete="{autocomplete}"{invalid}>{said}</p>"#,
        label = esc(label),
        value = esc(value),
    )
}

/// Not signed in: what this is, and the way in.
pub fn landing(lang: Lang, error: Option<&str>) -> String {
    let body = format!(
        r#"{error}<section class="card">
<p>{intro}</p>
<p>{roles}</p>
<p><a class="button primary" href="/admin/sign-in">{sign_in}</a></p>
</section>
<section class="card"><h2>{what_h}</h2><p>{what}</p></section>"#,
        error = notice(error, "error"),
        intro = lang.pick(
            "Register your organisation once to let its people search your company's directories from Teams. Sign in with your Microsoft work account.",
            "Registrieren Sie Ihre Organisation einmal, damit Ihre Mitarbeitenden die Verzeichnisse Ihres Unternehmens aus Teams durchsuchen können. Melden Sie sich mit Ihrem Microsoft-Geschäftskonto an."
        ),
        roles = esc(&format!(
            "{} {ROLE_NAMES}.",
            lang.pick(
                "Registering and managing needs one of these Entra ID roles:",
                "Registrieren und Verwalten erfordert eine dieser Entra-ID-Rollen:"
            )
        )),
        sign_in = lang.pick("Sign in with Microsoft", "Mit Microsoft anmelden"),
        what_h = lang.pick("What we store", "Was wir speichern"),
        what = lang.pick(
            "Your organisation's tenant ID and name, your name and e-mail address as the registering administrator, your directories' public keys, and anonymous daily counters. No contacts, no searches, nothing about your users. Everything is deleted 8 weeks after the subscription ends.",
            "Die Tenant-ID und den Namen Ihrer Organisation, Ihren Namen und Ihre E-Mail-Adresse als registrierende Administratorin bzw. registrierender Administrator, die öffentlichen Schlüssel Ihrer Verzeichnisse und anonyme Tageszähler. Keine Kontakte, keine Suchanfragen, nichts über Ihre Benutzer. Alles wird 8 Wochen nach Ende des Abonnements gelöscht."
        ),
    );
    shell(
        lang,
        lang.pick("Register your organisation", "Organisation registrieren"),
        None,
        &body,
    )
}

/// Signed in without an administrator role.
pub fn refused(lang: Lang, name: &str) -> String {
    let body = format!(
        r#"<section class="card"><p class="notice error" role="alert">{}</p><p><a class="button" href="/admin/sign-in">{}</a></p></section>"#,
        esc(&format!(
            "{} {name} {} {ROLE_NAMES}.",
            lang.pick("You are signed in as", "Sie sind angemeldet als"),
            lang.pick(
                "but without a role that may register or manage your organisation. Ask someone with one of these Entra ID roles:",
                "aber ohne eine Rolle, die Ihre Organisation registrieren oder verwalten darf. Bitten Sie jemanden mit einer dieser Entra-ID-Rollen:"
            )
        )),
        lang.pick("Sign in with another account", "Mit einem anderen Konto anmelden"),
    );
    shell(
        lang,
        lang.pick("Not an administrator", "Keine Administratorrolle"),
        None,
        &body,
    )
}

/// Signed in, organisation not registered yet.
pub fn register_form(lang: Lang, session: &Session, problem: Option<Problem<'_>>) -> String {
    let body = format!(
        r#"{error}<section class="card">
<p>{intro}</p>
<form method="post" action="/admin/register">
<input type="hidden" name="csrf" value="{csrf}">
<p><label for="tenant">{tenant_l}</label><input id="tenant" value="{tenant}" readonly></p>
{organisation}
{name}
{email}
<p><button class="button primary">{submit}</button></p>
</form>
</section>"#,
        error = problem_notice(lang, problem),
        intro = lang.pick(
            "Your organisation is not registered yet. We keep exactly what this form shows.",
            "Ihre Organisation ist noch nicht registriert. Wir speichern genau das, was dieses Formular zeigt."
        ),
        csrf = esc(&session.csrf),
        tenant_l = lang.pick("Tenant ID", "Tenant-ID"),
        tenant = esc(&session.tenant),
        organisation = text_input(lang, FormField::Organisation, "text", "organization", "", problem),
        name = text_input(lang, FormField::AdminName, "text", "name", &session.name, problem),
        email = text_input(lang, FormField::AdminEmail, "email", "email", &session.email, problem),
        submit = lang.pick("Register", "Registrieren"),
    );
    shell(
        lang,
        lang.pick("Register your organisation", "Organisation registrieren"),
        Some(session),
        &body,
    )
}

/// A directory as the administrator sees it.
pub struct DirectoryView<'a> {
    pub record: &'a DirectoryRecord,
    pub online: bool,
}

/// What the dashboard shows besides the organisation.
pub struct Dashboard<'a> {
    pub tenant: &'a TenantRecord,
    pub directories: Vec<DirectoryView<'a>>,
    /// Every stored field, verbatim.
    pub stored: &'a str,
    /// A code just created: shown this once.
    pub new_code: Option<&'a str>,
    pub message: Option<&'a str>,
    pub problem: Option<Problem<'a>>,
    pub now: i64,
    /// The cloud's address, for the enroll command line.
    pub base: &'a str,
}

fn when(lang: Lang, secs: Option<i64>) -> String {
    secs.map_or_else(
        || lang.pick("never", "nie").to_owned(),
        |s| {
            let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(s.max(0) as u64);
            humantime::format_rfc3339_seconds(time)
                .to_string()
                .replace('T', " ")
                .replace('Z', " UTC")
        },
    )
}

/// Signed in, organisation registered: its state and what can be done.
pub fn dashboard(lang: Lang, session: &Session, d: &Dashboard<'_>) -> String {
    let t = d.tenant;
    let status = match t.subscription_ends_at {
        Some(end) if end <= d.now => format!(
            "{} {}. {} {}.",
            lang.pick("The subscription ended on", "Das Abonnement endete am"),
            day_of(end),
            lang.pick("Everything is deleted on", "Alles wird gelöscht am"),
            day_of(crate::registry::deleted_at(end))
        ),
        Some(end) => format!(
            "{} {}.",
            lang.pick(
                "Active; the subscription ends on",
                "Aktiv; das Abonnement endet am"
            ),
            day_of(end)
        ),
        None => lang.pick("Active.", "Aktiv.").to_owned(),
    };
    let csrf = esc(&session.csrf);
    let rows: String = d
        .directories
        .iter()
        .map(|v| {
            let fingerprint = kontakt_seal::PublicKey::from_text(&v.record.public_key)
                .map_or_else(|_| lang.pick("not linked yet", "noch nicht verbunden").to_owned(), |k| k.fingerprint());
            format!(
                r#"<tr><td>{name}</td><td><span class="state {state_class}">{state}</span></td><td>{seen}</td><td><code>{fingerprint}</code></td><td><form method="post" action="/admin/directories/{id}/revoke"><input type="hidden" name="csrf" value="{csrf}"><button class="button danger" aria-label="{revoke} {name}">{revoke}</button></form></td></tr>"#,
                name = esc(&v.record.name),
                state_class = if v.online { "online" } else { "offline" },
                state = if v.online { lang.pick("online", "verbunden") } else { lang.pick("offline", "nicht verbunden") },
                seen = esc(&when(lang, v.record.last_seen_at)),
                fingerprint = esc(&fingerprint),
                id = esc(&v.record.id),
                revoke = lang.pick("Revoke", "Widerrufen"),
            )
        })
        .collect();
    let directories = if d.directories.is_empty() {
        format!("<p>{}</p>", lang.pick(
            "No directory is enrolled yet. Create a code below and run kontakt directory enroll with it on a server in your network.",
            "Noch ist kein Verzeichnis angemeldet. Erstellen Sie unten einen Code und führen Sie damit kontakt directory enroll auf einem Server in Ihrem Netzwerk aus."
        ))
    } else {
        format!(
            r#"<table><caption class="visually-hidden">{cap}</caption><thead><tr><th scope="col">{n}</th><th scope="col">{s}</th><th scope="col">{l}</th><th scope="col">{k}</th><th scope="col"><span class="visually-hidden">{a}</span></th></tr></thead><tbody>{rows}</tbody></table>"#,
            cap = lang.pick("Your directories", "Ihre Verzeichnisse"),
            n = lang.pick("Name", "Name"),
            s = lang.pick("State", "Zustand"),
            l = lang.pick("Last seen", "Zuletzt gesehen"),
            k = lang.pick("Key fingerprint", "Schlüssel-Fingerabdruck"),
            a = lang.pick("Actions", "Aktionen"),
        )
    };
    let code = d.new_code.map_or_else(String::new, |code| {
        format!(
            r#"<div class="code" role="status"><p>{}</p><p><output id="enrollment-code">{}</output></p><p><code>kontakt directory enroll --config /etc/kontakt/directory.toml --cloud {} --code {}</code></p></div>"#,
            lang.pick(
                "Your one-time enrollment code. It works once, for 24 hours, and is not shown again:",
                "Ihr einmaliger Anmeldecode. Er gilt einmal, 24 Stunden lang, und wird nicht noch einmal angezeigt:"
            ),
            esc(code),
            esc(d.base),
            esc(code),
        )
    });
    let body = format!(
        r#"{message}{error}
<section class="card" aria-labelledby="org-h"><h2 id="org-h">{org}</h2>
<dl><dt>{tenant_l}</dt><dd>{tenant}</dd><dt>{status_l}</dt><dd id="status">{status}</dd></dl>
<p><a class="button" href="/admin/consent">{consent}</a> <span class="hint">{consent_hint}</span></p>
</section>
<section class="card" aria-labelledby="dirs-h"><h2 id="dirs-h">{dirs_h}</h2>
{directories}
{code}
<form method="post" action="/admin/codes"><input type="hidden" name="csrf" value="{csrf}"><button class="button primary">{new_code}</button></form>
</section>
<section class="card" aria-labelledby="contact-h"><h2 id="contact-h">{contact_h}</h2>
<form method="post" action="/admin/contact"><input type="hidden" name="csrf" value="{csrf}">
{name}
{email}
<p><button class="button">{save}</button></p></form>
</section>
<section class="card" aria-labelledby="stored-h"><h2 id="stored-h">{stored_h}</h2>
<p>{stored_intro}</p>
<pre tabindex="0" aria-label="{stored_h}">{stored}</pre>
</section>
<section class="card danger-zone" aria-labelledby="delete-h"><h2 id="delete-h">{delete_h}</h2>
<p>{delete_intro}</p>
<form method="post" action="/admin/delete"><input type="hidden" name="csrf" value="{csrf}">
<p><input type="checkbox" id="confirm" name="confirm" value="yes" required> <label for="confirm" class="inline">{confirm}</label></p>
<p><button class="button danger">{delete}</button></p></form>
</section>"#,
        message = notice(d.message, "ok"),
        error = problem_notice(lang, d.problem),
        org = esc(&t.organisation),
        tenant_l = lang.pick("Tenant ID", "Tenant-ID"),
        tenant = esc(&t.id),
        status_l = lang.pick("Status", "Status"),
        status = esc(&status),
        consent = lang.pick("Grant admin consent", "Administratorzustimmung erteilen"),
        consent_hint = lang.pick(
            "so your users are not asked to consent one by one.",
            "damit Ihre Benutzer nicht einzeln zustimmen müssen."
        ),
        dirs_h = lang.pick("Directories", "Verzeichnisse"),
        new_code = lang.pick("Create an enrollment code", "Anmeldecode erstellen"),
        contact_h = lang.pick("Your contact details", "Ihre Kontaktdaten"),
        name = text_input(lang, FormField::AdminName, "text", "name", &t.admin_name, d.problem),
        email = text_input(lang, FormField::AdminEmail, "email", "email", &t.admin_email, d.problem),
        save = lang.pick("Save", "Speichern"),
        stored_h = lang.pick("What we store about your organisation", "Was wir über Ihre Organisation speichern"),
        stored_intro = lang.pick(
            "Every field, exactly as stored. Nothing else: no contacts, no searches, nothing about your users.",
            "Jedes Feld, genau wie gespeichert. Sonst nichts: keine Kontakte, keine Suchanfragen, nichts über Ihre Benutzer."
        ),
        stored = esc(d.stored),
        delete_h = lang.pick("Delete our registration now", "Unsere Registrierung jetzt löschen"),
        delete_intro = lang.pick(
            "Deletes everything stored about your organisation at once and disconnects its directories. Your users' favourites stay on their devices.",
            "Löscht sofort alles, was über Ihre Organisation gespeichert ist, und trennt ihre Verzeichnisse. Die Favoriten Ihrer Benutzer bleiben auf deren Geräten."
        ),
        confirm = lang.pick(
            "Yes, delete everything about my organisation now. This cannot be undone.",
            "Ja, jetzt alles über meine Organisation löschen. Das kann nicht rückgängig gemacht werden."
        ),
        delete = lang.pick("Delete now", "Jetzt löschen"),
    );
    shell(
        lang,
        lang.pick("Your organisation", "Ihre Organisation"),
        Some(session),
        &body,
    )
}

/// A short page with one message and the way back.
pub fn message(lang: Lang, title: &str, text: &str, error: bool) -> String {
    let body = format!(
        r#"<section class="card">{}<p><a class="button" href="/admin">{}</a></p></section>"#,
        notice(Some(text), if error { "error" } else { "ok" }),
        lang.pick("Back", "Zurück")
    );
    shell(lang, title, None, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_and_escaping() {
        assert_eq!(
            Lang::choose(None, Some("de-DE,de;q=0.9,en;q=0.8")),
            Lang::De
        );
        assert_eq!(Lang::choose(Some("en"), Some("de-DE")), Lang::En);
        assert_eq!(Lang::choose(None, Some("fr-FR,en;q=0.5")), Lang::En);
        assert_eq!(Lang::choose(None, None), Lang::En);
        assert_eq!(
            esc(r#"<a href="x">'&"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
        let page = landing(Lang::De, Some("<script>"));
        assert!(page.contains("lang=\"de\"") && page.contains("&lt;script&gt;"));
        assert!(page.contains(ROLE_NAMES));
    }

    #[test]
    fn every_refusal_is_said_in_both_languages() {
        use FieldProblem::*;
        for problem in [Empty, TooLong, ControlCharacter, NotEmail] {
            let (en, de) = (
                problem_text(Lang::En, problem, "x"),
                problem_text(Lang::De, problem, "x"),
            );
            assert!(!en.is_empty() && en != de, "{problem:?}: {en} / {de}");
        }
        assert_eq!(
            problem_text(Lang::En, TooLong, &"ä".repeat(250)),
            "At most 200 characters; this has 250."
        );
    }
}
