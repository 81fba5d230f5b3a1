//! The local emulator as a fixture for users' own tests: find the
//! `boardingpass-emulator` binary and workerd, start the emulator on a free
//! loopback port, click Claim on a pass, stop it. The Python pytest plugin
//! (`boardingpass.testing`) and Node's `boardingpass-sdk/testing` are thin
//! wrappers of [`EmulatorProcess`]; the emulator itself finds workerd with
//! [`locate_workerd`], so every host searches the same places.

mod locate;
mod process;

pub use locate::{locate_emulator, locate_workerd, EMULATOR_ENV, WORKERD_ENV};
pub use process::{EmulatorOptions, EmulatorProcess};
