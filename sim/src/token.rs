//! Replay tokens: one versioned string per failure that fixes everything a
//! rerun needs.
//!
//! A token is `xattrsim-v1.` followed by the URL-safe base64 (no padding)
//! of a deflate-compressed JSON object: the tool version, the scenario path and the SHA-256 of
//! its content, the design, the runtime, the explorer with its budget and
//! seed, the failing schedule's number, and the schedule itself (shuttle's
//! encoded schedule or loom's execution path) when it was captured.
//!
//! Decoding never panics: every malformed token gets an error saying what
//! is wrong and what a token looks like.

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use xattr_model::explore::{Explorer, Schedule};

/// The prefix of every token of this format version.
pub const PREFIX: &str = "xattrsim-v1.";

/// The largest decompressed token accepted, so a hostile token cannot make
/// replay allocate without bound.
const MAX_TOKEN_JSON: usize = 16 << 20;

/// This build's version, recorded in every token.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The explorer of a token, with its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TokenExplorer {
    Loom { preemption_bound: usize },
    ShuttleRandom { seed: u64, iterations: usize },
    ShuttlePct { seed: u64, iterations: usize, depth: usize },
    ShuttleDfs { max_iterations: Option<usize> },
}

impl TokenExplorer {
    pub fn from_explorer(explorer: Explorer) -> Option<TokenExplorer> {
        Some(match explorer {
            Explorer::Loom { preemption_bound } => TokenExplorer::Loom { preemption_bound },
            Explorer::ShuttleRandom { seed, iterations } => TokenExplorer::ShuttleRandom { seed, iterations },
            Explorer::ShuttlePct { seed, iterations, depth } => TokenExplorer::ShuttlePct { seed, iterations, depth },
            Explorer::ShuttleDfs { max_iterations } => TokenExplorer::ShuttleDfs { max_iterations },
            Explorer::Std { .. } => return None,
        })
    }

    pub fn explorer(self) -> Explorer {
        match self {
            TokenExplorer::Loom { preemption_bound } => Explorer::Loom { preemption_bound },
            TokenExplorer::ShuttleRandom { seed, iterations } => Explorer::ShuttleRandom { seed, iterations },
            TokenExplorer::ShuttlePct { seed, iterations, depth } => Explorer::ShuttlePct { seed, iterations, depth },
            TokenExplorer::ShuttleDfs { max_iterations } => Explorer::ShuttleDfs { max_iterations },
        }
    }
}

/// The captured schedule of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenSchedule {
    Shuttle(String),
    Loom(String),
}

impl TokenSchedule {
    pub fn from_schedule(schedule: &Schedule) -> TokenSchedule {
        match schedule {
            Schedule::Shuttle(encoded) => TokenSchedule::Shuttle(encoded.clone()),
            Schedule::Loom(path) => TokenSchedule::Loom(path.clone()),
        }
    }

    pub fn schedule(&self) -> Schedule {
        match self {
            TokenSchedule::Shuttle(encoded) => Schedule::Shuttle(encoded.clone()),
            TokenSchedule::Loom(path) => Schedule::Loom(path.clone()),
        }
    }
}

/// Everything a replay needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    pub tool: String,
    pub scenario: String,
    pub sha256: String,
    pub design: String,
    /// `loom` or `shuttle`.
    pub runtime: String,
    pub explorer: TokenExplorer,
    /// The seed of design B's hash (and of shuttle's schedulers).
    pub seed: u64,
    /// The failing schedule's number in the exploration, from 0.
    pub schedule_index: usize,
    pub schedule: Option<TokenSchedule>,
}

/// The reasons a token cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("invalid replay token: it does not start with `{PREFIX}` (a token looks like `{PREFIX}` followed by about 300 to 1500 letters, digits, `-` and `_`; copy it whole from the failure report)")]
    Prefix,
    #[error("invalid replay token: the text after `{PREFIX}` is not URL-safe base64 ({0}); the token may be truncated or wrapped")]
    Base64(String),
    #[error("invalid replay token: its content is not valid token JSON ({0}); the token may be truncated or edited")]
    Json(String),
    #[error("invalid replay token: unknown runtime `{0}` (expected loom or shuttle)")]
    Runtime(String),
}

impl Token {
    /// Encodes the token as its string form.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        let compressed = encoder.write_all(&json).and_then(|()| encoder.finish()).unwrap_or_default();
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(compressed))
    }

    /// Parses a token string; surrounding whitespace is ignored.
    pub fn decode(text: &str) -> Result<Token, TokenError> {
        let body = text.trim().strip_prefix(PREFIX).ok_or(TokenError::Prefix)?;
        let compressed = URL_SAFE_NO_PAD.decode(body).map_err(|e| TokenError::Base64(e.to_string()))?;
        let mut json = Vec::new();
        flate2::read::DeflateDecoder::new(compressed.as_slice())
            .take(MAX_TOKEN_JSON as u64 + 1)
            .read_to_end(&mut json)
            .map_err(|e| TokenError::Json(format!("it does not decompress: {e}")))?;
        if json.len() > MAX_TOKEN_JSON {
            return Err(TokenError::Json(format!("it decompresses to more than {MAX_TOKEN_JSON} bytes")));
        }
        let token: Token = serde_json::from_slice(&json).map_err(|e| TokenError::Json(e.to_string()))?;
        if token.runtime != "loom" && token.runtime != "shuttle" {
            return Err(TokenError::Runtime(token.runtime));
        }
        Ok(token)
    }

    /// Returns the command that replays this token.
    pub fn command(&self) -> String {
        format!("xattrsim replay {}", self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Token {
        Token {
            tool: TOOL_VERSION.into(),
            scenario: "scenarios/races/x.scn".into(),
            sha256: "ab".repeat(32),
            design: "rhashtable-rcu".into(),
            runtime: "shuttle".into(),
            explorer: TokenExplorer::ShuttlePct { seed: 3, iterations: 100, depth: 3 },
            seed: 3,
            schedule_index: 17,
            schedule: Some(TokenSchedule::Shuttle("9102ab".into())),
        }
    }

    #[test]
    fn token_round_trips() {
        let token = sample();
        assert_eq!(Token::decode(&token.encode()), Ok(token));
    }

    #[test]
    fn token_without_prefix_is_rejected() {
        assert_eq!(Token::decode("hello"), Err(TokenError::Prefix));
    }

    #[test]
    fn truncated_token_is_rejected() {
        let text = sample().encode();
        let error = Token::decode(&text[..text.len() - 7]).unwrap_err();
        assert!(matches!(error, TokenError::Json(_) | TokenError::Base64(_)), "{error}");
    }

    #[test]
    fn non_base64_token_is_rejected() {
        assert!(matches!(Token::decode("xattrsim-v1.!!!"), Err(TokenError::Base64(_))));
    }

    #[test]
    fn unknown_runtime_is_rejected() {
        let mut token = sample();
        token.runtime = "qemu".into();
        assert_eq!(Token::decode(&token.encode()), Err(TokenError::Runtime("qemu".into())));
    }
}
