//! A tab, as far as the cloud can tell: it fetches the directory's key, seals requests to
//! it with `kontakt-seal` (the crate the real tab uses), signs in for a relay ticket and
//! opens the answers. Tests use it to talk to a cloud over a real socket, and to send what
//! a real tab never would.

use kontakt_api::{
    Answer, DirectoryKey, Inner, Me, Op, SealedAnswer, SealedRequest, TICKET_HEADER,
};
use kontakt_seal::{PublicKey, ResponseKey};
use serde_json::Value;

pub fn random(buf: &mut [u8]) {
    rand::fill(buf);
}

/// One sealed request, before it is sent: what goes out, and the key to its answer.
pub struct Prepared {
    pub body: SealedRequest,
    pub reply: ResponseKey,
}

/// Milliseconds since 1970, as the tab's clock says.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A request as the tab would write it, for `op`.
pub fn inner(token: &str, op: Op) -> Inner {
    Inner::new(token, op, now_ms(), &mut random)
}

/// Seals `inner` (serialised as it is) to `key` for `tenant`.
pub fn seal(key: &PublicKey, tenant: &str, plain: &[u8]) -> Prepared {
    let (body, reply) = SealedRequest::seal(key, tenant, plain, &mut random).unwrap();
    Prepared { body, reply }
}

/// What came back for a sealed request.
#[derive(Debug)]
pub enum Outcome {
    /// 200, opened.
    Answer(Answer),
    /// A problem from the cloud, in the clear: status and body.
    Problem(u16, Value),
}

impl Outcome {
    pub fn answer(self) -> Answer {
        match self {
            Outcome::Answer(a) => a,
            Outcome::Problem(status, body) => panic!("expected an answer, got {status}: {body}"),
        }
    }

    /// The problem's status and code.
    pub fn problem(&self) -> (u16, String) {
        match self {
            Outcome::Problem(status, body) => (
                *status,
                body["code"].as_str().unwrap_or_default().to_owned(),
            ),
            Outcome::Answer(a) => panic!("expected a problem, got an answer: {a:?}"),
        }
    }
}

/// A signed-in user's tab, linked to its company's directory through the cloud at `base`.
pub struct SealedTab {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub tenant: String,
    pub key: PublicKey,
    pub document: DirectoryKey,
    /// The relay ticket, once signed in.
    pub ticket: Option<String>,
}

impl SealedTab {
    /// Fetches the directory's key, as the tab does when it starts.
    pub async fn connect(base: &str, token: &str, tenant: &str) -> Result<SealedTab, (u16, Value)> {
        let http = reqwest::Client::new();
        let response = http
            .get(format!("{base}/api/v1/tenants/{tenant}/directory-key"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        // A proxy in front (nginx) answers errors in HTML: kept as text.
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status != 200 {
            return Err((status, body));
        }
        let document: DirectoryKey = serde_json::from_value(body).unwrap();
        let key = PublicKey::from_text(&document.key).unwrap();
        assert_eq!(key.fingerprint(), document.fingerprint);
        Ok(SealedTab {
            http,
            base: base.to_owned(),
            token: token.to_owned(),
            tenant: tenant.to_owned(),
            key,
            document,
            ticket: None,
        })
    }

    /// Connects and signs in: what the tab does when it starts.
    pub async fn signed_in(base: &str, token: &str, tenant: &str) -> (SealedTab, Me) {
        let mut tab = SealedTab::connect(base, token, tenant)
            .await
            .unwrap_or_else(|(status, body)| panic!("no directory key: {status} {body}"));
        let me = tab.sign_in().await;
        (tab, me)
    }

    /// Signs in to the directory and keeps the relay ticket.
    pub async fn sign_in(&mut self) -> Me {
        self.ticket = None;
        match self.ask(Op::SignIn).await.answer() {
            Answer::SignedIn { me, ticket } => {
                self.ticket = Some(ticket);
                me
            }
            other => panic!("signing in answered {other:?}"),
        }
    }

    /// `/api/v1/tenants/{tenant}/sealed` here.
    pub fn sealed_url(&self) -> String {
        format!("{}/api/v1/tenants/{}/sealed", self.base, self.tenant)
    }

    /// Seals `op` the way the tab does.
    pub fn prepare(&self, op: Op) -> Prepared {
        self.prepare_inner(&inner(&self.token, op))
    }

    pub fn prepare_inner(&self, inner: &Inner) -> Prepared {
        seal(&self.key, &self.tenant, &serde_json::to_vec(inner).unwrap())
    }

    /// Sends a prepared request (with the ticket, if any) and opens its answer.
    pub async fn send(&self, prepared: &Prepared) -> Outcome {
        self.send_with(prepared, self.ticket.as_deref()).await
    }

    /// Sends a prepared request with `ticket` and opens its answer.
    pub async fn send_with(&self, prepared: &Prepared, ticket: Option<&str>) -> Outcome {
        let mut post = self.http.post(self.sealed_url());
        if let Some(ticket) = ticket {
            post = post.header(TICKET_HEADER, ticket);
        }
        let response = post.json(&prepared.body).send().await.unwrap();
        let status = response.status().as_u16();
        // A proxy in front (nginx) answers errors in HTML: kept as text.
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status != 200 {
            return Outcome::Problem(status, body);
        }
        let answer: SealedAnswer = serde_json::from_value(body).unwrap();
        Outcome::Answer(
            Answer::open(&answer.sealed, &prepared.reply)
                .expect("the answer opens with this request's key"),
        )
    }

    pub async fn ask(&self, op: Op) -> Outcome {
        self.send(&self.prepare(op)).await
    }

    /// The hits' display names for `q`.
    pub async fn search(&self, q: &str) -> Vec<kontakt_api::SearchHit> {
        match self
            .ask(Op::Search {
                q: q.to_owned(),
                limit: 25,
            })
            .await
            .answer()
        {
            Answer::Search(response) => response.hits,
            other => panic!("a search answered {other:?}"),
        }
    }
}
