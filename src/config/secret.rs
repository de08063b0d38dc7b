// SPDX-License-Identifier: GPL-3.0-or-later
//! Secrets (CalDAV and SMTP passwords): from an environment variable, a command or a file;
//! never logged.

use std::path::{Path, PathBuf};

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The variable is not set.
    #[error("environment variable {0} (password_env) is not set")]
    MissingEnv(String),
    /// The command failed.
    #[error("password_command failed: {0}")]
    Command(String),
    /// The file could not be read.
    #[error("cannot read password_file {0}")]
    File(String),
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
        let path = if Path::new(file).is_absolute() {
            PathBuf::from(file)
        } else {
            base_dir.join(file)
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|_| SecretError::File(path.display().to_string()))?;
        return Ok(Some(text.lines().next().unwrap_or_default().to_string()));
    }
    Ok(None)
}
