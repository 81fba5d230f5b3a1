pub mod deploy;
pub mod pow;
pub mod provision;
pub mod serve;
pub mod target;
