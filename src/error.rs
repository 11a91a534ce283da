//! One error type for the whole crate.
//!
//! Every error names the argument that was wrong and says what was expected, so that a message
//! reaching a learner's console (through the JS bindings) is enough to fix the call:
//! `` `pscore`: expected every value in (0, 1], got 0 at index 17 ``.

use std::fmt;

/// What went wrong, in a form a caller can match on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// An argument has the wrong shape, range or value.
    InvalidArgument,
    /// The input is valid but the requested computation is not defined for it (for example the
    /// pseudoinverse estimator with a logger that is not uniform).
    Unsupported,
}

/// An error with the name of the offending argument and a message that says what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    argument: String,
    message: String,
}

impl Error {
    /// An invalid argument: `argument` is the caller-facing name (camelCase in JS, as OBP's
    /// snake_case names are in Python), `message` says what was expected and what was found.
    pub fn invalid(argument: impl Into<String>, message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::InvalidArgument, argument: argument.into(), message: message.into() }
    }

    /// A computation that is not defined for valid input.
    pub fn unsupported(argument: impl Into<String>, message: impl Into<String>) -> Self {
        Error { kind: ErrorKind::Unsupported, argument: argument.into(), message: message.into() }
    }

    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The name of the argument the error is about.
    pub fn argument(&self) -> &str {
        &self.argument
    }

    /// What was expected and what was found.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error reported under another argument name (used when an inner value is
    /// validated by a helper that does not know the caller's name for it).
    pub fn rename(mut self, argument: impl Into<String>) -> Self {
        self.argument = argument.into();
        self
    }

    /// Prefix the argument with a path, e.g. `components[2].` + `weight`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.argument = format!("{prefix}{}", self.argument);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.argument.is_empty() { f.write_str(&self.message) } else { write!(f, "`{}`: {}", self.argument, self.message) }
    }
}

impl std::error::Error for Error {}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
