//! A user's program built against the packaged crate: starts the emulator
//! (the CLI tarball's binary, through BOARDINGPASS_EMULATOR), provisions,
//! deploys, verifies and claims.

use boardingpass::testing::{EmulatorOptions, EmulatorProcess};
use boardingpass::{ClaimStatus, ClaimWaitOptions, Client, ProvisionOptions, Worker};

#[tokio::main]
async fn main() -> boardingpass::Result<()> {
    let emulator = EmulatorProcess::start(EmulatorOptions::default()).await?;
    let client = Client::builder().api_base(emulator.api_base()).accept_terms(true).build()?;
    let pass = client.provision(ProvisionOptions::default().owner("Ada Lovelace")).await?;
    let worker = Worker::from_source("hello", "index.js", "export default { fetch() { return new Response('hi') } }");
    let deployment = pass.deploy(&worker, Default::default()).await?;
    pass.verify(&deployment, Default::default()).await?;
    emulator.claim(&pass).await?;
    let outcome = pass.wait_for_claim(ClaimWaitOptions::default().timeout(std::time::Duration::from_secs(20))).await?;
    assert_eq!(outcome.status, ClaimStatus::Claimed);
    emulator.stop().await;
    println!("live at {} and claimed", deployment.url);
    Ok(())
}
