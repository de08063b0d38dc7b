// SPDX-License-Identifier: GPL-3.0-or-later
//! Secrets (CalDAV and SMTP passwords): from an environment variable, a command or a file;
//! never logged.

use std::path::{Path, PathBuf};

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The variable is not set.
    #[error(
        "environment variable {0} (password_env) is not set: set it before running caltally, \
         or use password_command or password_file instead"
    )]
    MissingEnv(String),
    /// The command failed.
    #[error("password_command failed: {0}")]
    Command(String),
    /// The file could not be read.
    #[error("cannot read password_file {0}: check that it exists and is readable")]
    File(String),
    /// `password_file` names a `${VARIABLE}` that is not set.
    #[error(
        "password_file `{file}` uses ${{{var}}}, which is not set (under systemd, \
         LoadCredential= sets $CREDENTIALS_DIRECTORY)"
    )]
    UnsetVariable {
        /// The file as written.
        file: String,
        /// The variable.
        var: String,
    },
}

impl SecretError {
    /// True for a mistake in the configuration or the environment (exit code 2), false
    /// for a command that failed at run time.
    pub fn is_configuration(&self) -> bool {
        !matches!(self, SecretError::Command(_))
    }
}

/// Checks, without running any command, that a secret can be read: its environment
/// variable is set, or its file exists.
pub fn check_secret(
    env: Option<&str>,
    file: Option<&str>,
    base_dir: &Path,
) -> Result<(), SecretError> {
    if let Some(var) = env
        && std::env::var_os(var).is_none()
    {
        return Err(SecretError::MissingEnv(var.to_string()));
    }
    if let Some(file) = file {
        let path = secret_path(file, base_dir)?;
        if !path.is_file() {
            return Err(SecretError::File(path.display().to_string()));
        }
    }
    Ok(())
}

/// The path of a `password_file`: `${VAR}` replaced by the variable's value (such as
/// systemd's `${CREDENTIALS_DIRECTORY}`), then relative to `base_dir`.
fn secret_path(file: &str, base_dir: &Path) -> Result<PathBuf, SecretError> {
    let expanded = expand_vars(file, |name| std::env::var(name).ok()).map_err(|var| {
        SecretError::UnsetVariable {
            file: file.to_string(),
            var,
        }
    })?;
    let path = PathBuf::from(expanded);
    Ok(if path.is_absolute() {
        path
    } else {
        base_dir.join(path)
    })
}

/// `text` with every `${NAME}` replaced by `lookup(NAME)`; the first unknown name is the error.
fn expand_vars(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        let Some(len) = rest[at + 2..].find('}') else {
            break;
        };
        let name = &rest[at + 2..at + 2 + len];
        out.push_str(&rest[..at]);
        out.push_str(&lookup(name).ok_or_else(|| name.to_string())?);
        rest = &rest[at + 3 + len..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A secret from an environment variable, the first line a shell command prints, or the
/// first line of a file (relative to `base_dir`); `None` if none is configured.
pub fn read_secret(
    env: Option<&str>,
    command: Option<&str>,
    file: Option<&str>,
    base_dir: &Path,
) -> Result<Option<String>, SecretError> {
    if let Some(var) = env {
        return std::env::var(var)
            .map(Some)
            .map_err(|_| SecretError::MissingEnv(var.to_string()));
    }
    if let Some(cmd) = command {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| SecretError::Command(e.to_string()))?;
        if !out.status.success() {
            return Err(SecretError::Command(format!("exit status {}", out.status)));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        return Ok(Some(text.lines().next().unwrap_or_default().to_string()));
    }
    if let Some(file) = file {
        let path = secret_path(file, base_dir)?;
        let text = std::fs::read_to_string(&path)
            .map_err(|_| SecretError::File(path.display().to_string()))?;
        return Ok(Some(text.lines().next().unwrap_or_default().to_string()));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_file_expands_variables() {
        let lookup = |n: &str| (n == "CREDENTIALS_DIRECTORY").then(|| "/run/creds/x".to_string());
        assert_eq!(
            expand_vars("${CREDENTIALS_DIRECTORY}/caldav", lookup).unwrap(),
            "/run/creds/x/caldav"
        );
        assert_eq!(expand_vars("plain/$HOME", lookup).unwrap(), "plain/$HOME");
        assert_eq!(expand_vars("${NOPE}/x", lookup).unwrap_err(), "NOPE");
    }
}
