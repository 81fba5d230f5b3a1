//! Printing rules shared by every command: results on stdout, diagnostics on
//! stderr, secrets never (only fingerprints), errors with their stable code,
//! server-supplied text only through [`printable`] (no terminal escapes).

use std::process::ExitCode;

use boardingpass::{printable, Error};

/// Exit status for errors; distinct statuses for outcomes come from commands.
pub const EXIT_ERROR: u8 = 1;
/// The caller must fix the invocation (terms not accepted, bad input, policy, code that does not bundle, SQL the database refuses).
pub const EXIT_USAGE: u8 = 2;

pub fn fail(e: &Error) -> ExitCode {
    eprintln!("error[{}]: {}", e.code(), printable(&e.to_string()));
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        eprintln!("  caused by: {}", printable(&s.to_string()));
        source = s.source();
    }
    ExitCode::from(match e.kind() {
        boardingpass::ErrorKind::TermsNotAccepted
        | boardingpass::ErrorKind::InvalidInput
        | boardingpass::ErrorKind::PolicyViolation
        | boardingpass::ErrorKind::Bundle
        | boardingpass::ErrorKind::Sql => EXIT_USAGE,
        _ => EXIT_ERROR,
    })
}

pub fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string(value).expect("JSON value serialises"));
}
