pub mod deploy;
pub mod mcp;
pub mod pow;
pub mod provision;
pub mod serve;
pub mod target;
