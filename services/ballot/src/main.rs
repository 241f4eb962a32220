#[tokio::main]
async fn main() -> anyhow::Result<()> {
    juxuan_ballot::main().await
}
