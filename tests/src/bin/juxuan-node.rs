//! One binary for every service, for the fault-injection suite, which runs the services as
//! processes it can kill: `JUXUAN_NODE_SERVICE=<gateway|nomination|review|ballot|reporting>`
//! picks the service, whose own `main` (the same as its binary's) then runs.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::var("JUXUAN_NODE_SERVICE").as_deref() {
        Ok("gateway") => juxuan_gateway::main().await,
        Ok("nomination") => juxuan_nomination::main().await,
        Ok("review") => juxuan_review::main().await,
        Ok("ballot") => juxuan_ballot::main().await,
        Ok("reporting") => juxuan_reporting::main().await,
        _ => {
            eprintln!(
                "juxuan-node: set JUXUAN_NODE_SERVICE to gateway, nomination, review, ballot or reporting"
            );
            std::process::exit(2);
        }
    }
}
