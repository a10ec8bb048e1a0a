//! `/healthz`: the process answers. For load balancers and `systemd`-style checks; it says
//! nothing about sources (those are in `/metrics`).

pub async fn healthz() -> &'static str {
    "ok"
}
