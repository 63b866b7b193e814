//! What durable read auditing costs a real endpoint: `GET /api/v1/tokens/{id}` with a bearer
//! token, on a server that records every read before answering and on one started with
//! `audit.record_reads = false`, alternated so that drift on a shared machine hits both.

use anyhow::Context;

use super::audit::READERS;
use super::identity::set_up_account;
use super::serving::{Stats, load};
use super::{Server, client};

pub(super) struct ReadCost {
    pub on: Vec<Stats>,
    pub off: Vec<Stats>,
}

impl ReadCost {
    fn mean(stats: &[Stats]) -> f64 {
        stats.iter().map(|s| s.per_second).sum::<f64>() / stats.len().max(1) as f64
    }

    /// Audited throughput as a share of unaudited throughput.
    pub fn ratio(&self) -> f64 {
        Self::mean(&self.on) / Self::mean(&self.off)
    }

    pub fn on_per_second(&self) -> f64 {
        Self::mean(&self.on)
    }

    pub fn off_per_second(&self) -> f64 {
        Self::mean(&self.off)
    }
}

/// Rounds of each configuration, alternated.
const ROUNDS: usize = 2;

pub(super) async fn measure(on: &Server, off: &Server, seconds: u64) -> anyhow::Result<ReadCost> {
    let mut targets = Vec::new();
    for server in [on, off] {
        let account = set_up_account(server, "reads@example.com").await?;
        let me: serde_json::Value = client()?
            .get(format!("https://127.0.0.1:{}/api/v1/me", server.public))
            .bearer_auth(&account.api_token)
            .send()
            .await?
            .json()
            .await?;
        let token_id = me["token_id"]
            .as_str()
            .context("/api/v1/me names no token")?;
        let url = format!(
            "https://127.0.0.1:{}/api/v1/tokens/{token_id}",
            server.public
        );
        targets.push((url, account.api_token));
    }
    let mut cost = ReadCost {
        on: Vec::new(),
        off: Vec::new(),
    };
    for round in 0..ROUNDS {
        for (i, server) in [off, on].into_iter().enumerate() {
            let (name, (url, token)) = if i == 0 {
                ("GET /api/v1/tokens/{id}, audit off", &targets[1])
            } else {
                ("GET /api/v1/tokens/{id}, every read audited", &targets[0])
            };
            eprintln!(
                "xtask: {name} (round {}) for {seconds} s with {READERS} connections",
                round + 1
            );
            let stats = load(
                name,
                url.clone(),
                seconds,
                READERS,
                server.pid(),
                Some(token),
            )
            .await?;
            if i == 0 {
                cost.off.push(stats);
            } else {
                cost.on.push(stats);
            }
        }
    }
    Ok(cost)
}
