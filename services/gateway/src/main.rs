#[tokio::main]
async fn main() -> anyhow::Result<()> {
    juxuan_gateway::main().await
}
