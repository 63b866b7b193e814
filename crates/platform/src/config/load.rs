//! Reading the configuration: defaults, then `rampart.toml`, then `RAMPART_SECTION__KEY`
//! environment variables (and `RAMPART_SECTION__KEY_FILE` for secrets), then validation.
//! Every error names the key, and where its value came from.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::Config;

/// Keys whose value may be read from a file named by `RAMPART_…_FILE`.
const SECRET_KEYS: &[&str] = &["database.url", "mail.smtp_url"];

const ENV_PREFIX: &str = "RAMPART_";

/// Shorter names kept for the variables operators know best.
const ALIASES: &[(&str, &str)] = &[("RAMPART_MASTER_KEY_FILE", "RAMPART_KEYS__MASTER_KEY_FILE")];

/// One key and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub key: String,
    pub message: String,
}

impl KeyError {
    pub fn new(key: &str, message: String) -> Self {
        Self {
            key: key.to_owned(),
            message,
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{var}: cannot read the file it names: {source}")]
    SecretFile { var: String, source: std::io::Error },
    #[error("{}", join(.0))]
    Invalid(Vec<KeyError>),
}

fn join(errors: &[KeyError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ConfigError {
    /// Each problem on its own line, for `rampart config check`.
    pub fn problems(&self) -> Vec<String> {
        match self {
            Self::Invalid(errors) => errors.iter().map(ToString::to_string).collect(),
            other => vec![other.to_string()],
        }
    }
}

/// Loads the configuration from `file` (when given) and the environment `vars`.
pub fn load(
    file: Option<&Path>,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let mut origins = BTreeMap::new();
    let mut table = match file {
        Some(path) => read_file(path, &mut origins)?,
        None => Table::new(),
    };
    let defaults = Value::try_from(Config::default()).unwrap_or(Value::Table(Table::new()));
    for (var, raw) in vars {
        let Some((key, value)) = env_entry(&var, raw, &defaults)? else {
            continue;
        };
        origins.insert(key.join("."), var);
        insert(&mut table, &key, value);
    }
    let config: Config = serde_path_to_error::deserialize(Value::Table(table)).map_err(|err| {
        let key = err.path().to_string();
        let message = err.inner().to_string();
        ConfigError::Invalid(vec![KeyError::new(&with_origin(&key, &origins), message)])
    })?;
    let errors: Vec<KeyError> = config
        .validate()
        .into_iter()
        .map(|e| KeyError {
            key: with_origin(&e.key, &origins),
            message: e.message,
        })
        .collect();
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(ConfigError::Invalid(errors))
    }
}

fn read_file(path: &Path, origins: &mut BTreeMap<String, String>) -> Result<Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    let table: Table = toml::from_str(&text).map_err(|err| ConfigError::Syntax {
        path: path.to_owned(),
        message: err.message().to_owned(),
    })?;
    for (section, value) in &table {
        if let Value::Table(keys) = value {
            for key in keys.keys() {
                origins.insert(format!("{section}.{key}"), path.display().to_string());
            }
        }
    }
    Ok(table)
}

/// `listen.public (from RAMPART_LISTEN__PUBLIC)`, or the key alone for a default.
fn with_origin(key: &str, origins: &BTreeMap<String, String>) -> String {
    match origins.get(key) {
        Some(origin) => format!("{key} (from {origin})"),
        None => key.to_owned(),
    }
}

/// Turns `RAMPART_LISTEN__PUBLIC=…` into the key `["listen", "public"]` and a typed value.
/// Variables without `__` are not configuration overlays and are skipped.
fn env_entry(
    var: &str,
    raw: String,
    defaults: &Value,
) -> Result<Option<(Vec<String>, Value)>, ConfigError> {
    let var = ALIASES
        .iter()
        .find(|(alias, _)| *alias == var)
        .map_or(var, |(_, name)| name);
    let Some(rest) = var.strip_prefix(ENV_PREFIX) else {
        return Ok(None);
    };
    if !rest.contains("__") {
        return Ok(None);
    }
    let mut key: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    let dotted = key.join(".");
    if let Some(secret_key) = dotted
        .strip_suffix("_file")
        .filter(|k| SECRET_KEYS.contains(k))
    {
        let text = std::fs::read_to_string(&raw).map_err(|source| ConfigError::SecretFile {
            var: var.to_owned(),
            source,
        })?;
        key = secret_key.split('.').map(str::to_owned).collect();
        return Ok(Some((
            key,
            Value::String(text.trim_end_matches(['\r', '\n']).to_owned()),
        )));
    }
    let value = typed_like_default(&raw, lookup(defaults, &key));
    Ok(Some((key, value)))
}

/// Parses an environment value as the type its default has; a string otherwise, so that
/// serde reports a wrong value with the key's name.
fn typed_like_default(raw: &str, default: Option<&Value>) -> Value {
    let parsed = match default {
        Some(Value::Integer(_)) => raw.trim().parse().map(Value::Integer).ok(),
        Some(Value::Float(_)) => raw.trim().parse().map(Value::Float).ok(),
        Some(Value::Boolean(_)) => raw.trim().parse().map(Value::Boolean).ok(),
        Some(Value::Array(_)) => toml::from_str::<Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v")),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(raw.to_owned()))
}

fn lookup<'a>(value: &'a Value, key: &[String]) -> Option<&'a Value> {
    key.iter()
        .try_fold(value, |value, part| value.get(part.as_str()))
}

fn insert(table: &mut Table, key: &[String], value: Value) {
    let Some((last, parents)) = key.split_last() else {
        return;
    };
    let mut current = table;
    for part in parents {
        let entry = current
            .entry(part.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        let Value::Table(next) = entry else { return };
        current = next;
    }
    current.insert(last.clone(), value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn load_toml(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rampart.toml");
        std::fs::write(&path, text).unwrap();
        load(Some(&path), env(vars))
    }

    #[test]
    fn no_configuration_at_all_is_valid() {
        let config = load(None, Vec::new()).unwrap();
        assert_eq!(config.listen.public.to_string(), "0.0.0.0:8443");
        assert_eq!(config.listen.staff.to_string(), "127.0.0.1:9443");
        assert_eq!(config.database_url().expose(), "sqlite://data/rampart.db");
    }

    #[test]
    fn the_shipped_example_is_valid_and_mentions_every_key() {
        load_toml(super::super::EXAMPLE, &[]).unwrap();
        let defaults = Value::try_from(Config::default()).unwrap();
        for (section, keys) in defaults.as_table().unwrap() {
            assert!(
                super::super::EXAMPLE.contains(&format!("[{section}]")),
                "[{section}] missing"
            );
            for key in keys.as_table().unwrap().keys() {
                assert!(
                    super::super::EXAMPLE.contains(&format!("{key} =")),
                    "{section}.{key} missing"
                );
            }
        }
    }

    #[test]
    fn environment_overrides_the_file_with_typed_values() {
        let config = load_toml(
            "[server]\nbody_limit_bytes = 2048\n",
            &[
                ("RAMPART_SERVER__BODY_LIMIT_BYTES", "4096"),
                ("RAMPART_LISTEN__STAFF", "127.0.0.1:7000"),
            ],
        )
        .unwrap();
        assert_eq!(config.server.body_limit_bytes, 4096);
        assert_eq!(config.listen.staff.port(), 7000);
    }

    #[test]
    fn secrets_can_come_from_a_file_named_by_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("db-url");
        std::fs::write(&secret, "postgres://rampart:hunter2@db/rampart\n").unwrap();
        let secret = secret.to_str().unwrap();
        let config = load(None, env(&[("RAMPART_DATABASE__URL_FILE", secret)])).unwrap();
        assert_eq!(
            config.database_url().expose(),
            "postgres://rampart:hunter2@db/rampart"
        );
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn the_master_key_file_has_a_short_variable_of_its_own() {
        let config = load(
            None,
            env(&[("RAMPART_MASTER_KEY_FILE", "/run/secrets/master.key")]),
        )
        .unwrap();
        assert_eq!(
            config.keys.master_key_file.unwrap().to_str(),
            Some("/run/secrets/master.key")
        );
    }

    #[test]
    fn variables_that_are_not_overlays_are_ignored() {
        load(None, env(&[("RAMPART_CONFIG", "x"), ("PATH", "/bin")])).unwrap();
    }

    #[test]
    fn mistakes_name_the_key_and_its_origin() {
        let check = |text: &str, vars: &[(&str, &str)], expected: &[&str]| {
            let message = load_toml(text, vars).unwrap_err().to_string();
            for part in expected {
                assert!(
                    message.contains(part),
                    "{message:?} should contain {part:?}"
                );
            }
        };
        check(
            "[server]\nlisen = 1\n",
            &[],
            &["server", "unknown field `lisen`"],
        );
        check("[sever]\n", &[], &["unknown field `sever`"]);
        check(
            "[listen]\npublic = \"nowhere\"\n",
            &[],
            &["listen.public", "rampart.toml"],
        );
        check(
            "",
            &[("RAMPART_LISTEN__PUBLIC", "nowhere")],
            &["listen.public (from RAMPART_LISTEN__PUBLIC)"],
        );
        check(
            "",
            &[("RAMPART_SERVER__BODY_LIMIT_BYTES", "lots")],
            &["server.body_limit_bytes", "invalid type"],
        );
        check(
            "[server]\npublic_url = \"http://x\"\n",
            &[],
            &["server.public_url", "https://"],
        );
        check(
            "[tls]\ncert_file = \"a.pem\"\n",
            &[],
            &["tls.key_file", "set both"],
        );
        check(
            "[database]\nurl = \"mysql://x\"\n",
            &[],
            &["database.url", "sqlite://"],
        );
        check(
            "[log]\nformat = \"xml\"\n",
            &[],
            &["log.format", "unknown variant"],
        );
        check(
            "[jobs]\nlease_ttl_ms = 1000\nlease_renew_ms = 900\n",
            &[],
            &["jobs.lease_renew_ms"],
        );
        check(
            "[listen]\nstaff = \"0.0.0.0:8443\"\n",
            &[],
            &["listen.staff", "already used"],
        );
        check("[server\n", &[], &["not valid TOML"]);
        check(
            "[audit]\nretention_days = 30\n",
            &[],
            &["audit.retention_days", "at least 365"],
        );
        check("[audit]\norigin = \"has space\"\n", &[], &["audit.origin"]);
        check(
            "",
            &[("RAMPART_AUDIT__CHECKPOINT_INTERVAL_MS", "0")],
            &["audit.checkpoint_interval_ms"],
        );
    }

    #[test]
    fn the_audit_log_is_named_after_the_public_host_unless_configured() {
        let config = load_toml(
            "[server]\npublic_url = \"https://rampart.example.com\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(config.audit_origin(), "rampart.example.com/audit");
        assert_eq!(
            load(None, Vec::new()).unwrap().audit_origin(),
            "localhost/audit"
        );
        let named = load_toml("[audit]\norigin = \"example.org/log\"\n", &[]).unwrap();
        assert_eq!(named.audit_origin(), "example.org/log");
    }
}
